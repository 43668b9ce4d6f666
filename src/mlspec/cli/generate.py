"""``mlspec generate`` writes the generated files; ``mlspec check`` compares them."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from mlspec.spec import load_spec

_out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the generated files. Default: generated/ of the project.",
)
_spec_option = click.option(
    "--spec",
    "spec_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Spec folder to generate from. Default: the spec that ships with mlspec.",
)
_document_option = click.option(
    "--document",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Document whose model APIs add prediction endpoints to the OpenAPI file.",
)


@click.command("generate")
@_out_option
@_spec_option
@_document_option
@click.option(
    "--strict",
    is_flag=True,
    help="Fail, listing them, when a generator cannot express a construct faithfully.",
)
def generate_command(
    out: Path | None, spec_dir: Path | None, document: Path | None, strict: bool
) -> None:
    """Write Python models, OpenAPI and SQL generated from the spec."""
    from mlspec.generate import default_out_dir, generate_all, load_document, write

    out_dir = out or default_out_dir()
    spec = load_spec(spec_dir)
    document_input = load_document(document) if document else None
    files = generate_all(spec, document=document_input, strict=strict)
    result = write(out_dir, files)

    click.echo(
        f"{out_dir}: {len(result.written)} written, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed, "
        f"{len(files.unsupported)} unsupported construct(s)",
        err=True,
    )
    for item in files.unsupported:
        click.echo(f"  unsupported: {item}", err=True)


@click.command("check")
@_out_option
@_spec_option
@_document_option
@click.pass_context
def check_command(
    ctx: click.Context, out: Path | None, spec_dir: Path | None, document: Path | None
) -> None:
    """Regenerate in memory and report files that differ from the output folder.

    Exits with 1 when a file is stale, missing or orphaned, and prints a
    unified diff and the command that brings the folder up to date.
    """
    from mlspec.generate import check, default_out_dir, load_document

    out_dir = out or default_out_dir()
    spec = load_spec(spec_dir)
    document_input = load_document(document) if document else None
    result = check(out_dir, spec=spec, document=document_input)
    if result.in_sync:
        click.echo(f"{out_dir}: generated files are up to date", err=True)
        return

    for label, paths in (
        ("stale", result.stale),
        ("missing", result.missing),
        ("orphaned", result.orphaned),
    ):
        for path in paths:
            click.echo(f"{label}: {out_dir / path}")
    click.echo(result.diff, nl=False)
    click.echo(f"{out_dir}: generated files are out of date; to fix, run:", err=True)
    click.echo("  " + fix_command(out, spec_dir, document), err=True)
    ctx.exit(1)


def fix_command(out: Path | None, spec_dir: Path | None, document: Path | None) -> str:
    """Return the ``mlspec generate`` command line with the options of ``check``."""
    words = ["mlspec", "generate"]
    for option, value in (
        ("--out", out),
        ("--spec", spec_dir),
        ("--document", document),
    ):
        if value is not None:
            words += [option, str(value)]
    return shlex.join(words)
