"""``mlspec diff``, ``mlspec migrate`` and ``mlspec upgrade``: changes between spec versions."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from mlspec.compat.diff import SpecDiff, diff_specs, export_git_spec
from mlspec.errors import UsageError
from mlspec.spec import Spec, default_spec_dir, load_spec

EXIT_ACCEPTABLE, EXIT_BREAKING = 0, 1

_spec_dir = click.Path(exists=True, file_okay=False, path_type=Path)


def _load_pair(old: Path | None, new: Path | None, git_revision: str | None):
    """Load OLD and NEW; with ``--git`` OLD is the revision and NEW defaults to ``spec/``."""
    if git_revision is not None:
        if new is not None:
            raise UsageError("with --git REV give at most one folder, the new spec")
        new = old or default_spec_dir()
        scratch = Path(tempfile.mkdtemp(prefix="mlspec-diff-"))
        repository = _repository_root(new)
        old = export_git_spec(git_revision, scratch, repository)
    elif old is None or new is None:
        raise UsageError("give two spec folders, OLD and NEW, or --git REV")
    return load_spec(old), load_spec(new)


def _repository_root(folder: Path) -> Path:
    command = ["git", "-C", str(folder), "rev-parse", "--show-toplevel"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        raise UsageError(f"{folder} is not inside a git repository") from error
    return Path(result.stdout.strip())


def _print_text(report: SpecDiff) -> None:
    for change in report.changes:
        click.echo(change.format_text())
    for audience, reason in report.skipped.items():
        click.echo(
            f"mlspec: warning: {audience} changes not compared: {reason}", err=True
        )
    verdict = (
        "acceptable" if report.acceptable else "breaking without a major version bump"
    )
    click.echo(
        f"spec {report.old_version} -> {report.new_version}: "
        f"{len(report.changes)} changes, {len(report.breaking)} breaking; {verdict}",
        err=True,
    )


@click.command("diff")
@click.argument("old", required=False, type=_spec_dir)
@click.argument("new", required=False, type=_spec_dir)
@click.option(
    "--git",
    "git_revision",
    metavar="REV",
    help="Compare spec/ at this git revision (OLD) with the working tree's spec/ or the given folder.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format of the changes.",
)
def diff_command(
    old: Path | None, new: Path | None, git_revision: str | None, output_format: str
) -> None:
    """Classify the changes between two spec versions for documents, API clients and databases.

    Exits 1 when a breaking change arrives without a major version bump,
    0 otherwise, and 2 for a usage error or a spec that cannot be loaded.
    """
    old_spec, new_spec = _load_pair(old, new, git_revision)
    report = diff_specs(old_spec, new_spec)
    if output_format == "json":
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        _print_text(report)
    sys.exit(EXIT_ACCEPTABLE if report.acceptable else EXIT_BREAKING)


def register(group: click.Group) -> None:
    """Add the compatibility commands to the ``mlspec`` group."""
    group.add_command(diff_command)


__all__ = ["Spec", "register"]
