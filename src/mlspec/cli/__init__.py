"""The ``mlspec`` command: a thin layer over the library API.

Each command group lives in a module of its own and is registered here.
Errors that mlspec raises on purpose (``MlspecError``) are printed as one
line on stderr with the exit code the error carries, never as a traceback.
"""

from __future__ import annotations

import logging
import sys

import click

from mlspec import __version__
from mlspec.errors import MlspecError


class MlspecGroup(click.Group):
    """A click group that turns ``MlspecError`` into a message and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MlspecError as error:
            click.echo(f"mlspec: error: {error}", err=True)
            sys.exit(error.exit_code)


@click.group(cls=MlspecGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlspec")
@click.option(
    "-v", "--verbose", count=True, help="Log more: -v for INFO, -vv for DEBUG."
)
@click.option("-q", "--quiet", is_flag=True, help="Log errors only.")
def main(verbose: int, quiet: bool) -> None:
    """Validate, generate from, store and convert ML metadata documents."""
    level = (
        logging.ERROR
        if quiet
        else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="mlspec: %(levelname)s: %(message)s")


def _register() -> None:
    from mlspec.cli import compare, compat, db, generate, mlflow, validate

    main.add_command(validate.validate_command)
    main.add_command(generate.generate_command)
    main.add_command(generate.check_command)
    main.add_command(compare.compare_command)
    main.add_command(db.db_command)
    main.add_command(mlflow.mlflow_group)
    compat.register(main)


_register()
