"""``mlspec diff``, ``mlspec migrate`` and ``mlspec upgrade``: changes between spec versions.

The diff and migrate modules import the OpenAPI and SQL generators, so they
are imported inside the commands, so that importing the CLI stays light.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click
import yaml

from mlspec.compat.upgrade import upgrade_document
from mlspec.errors import UsageError
from mlspec.reader import read_document, suffix_format
from mlspec.spec import load_spec
from mlspec.validator import validate

if TYPE_CHECKING:
    from mlspec.compat.diff import SpecDiff

EXIT_ACCEPTABLE, EXIT_BREAKING = 0, 1

_spec_dir = click.Path(exists=True, file_okay=False, path_type=Path)


def _load_pair(old: Path | None, new: Path | None, git_revision: str | None):
    """Load OLD and NEW; with ``--git`` the one folder given is NEW.

    Without a folder, ``--git`` compares with ``spec/`` at the top of the git
    repository that contains the current directory. The exported revision
    lives in a temporary folder that is removed when the command ends.
    """
    if git_revision is None:
        if old is None or new is None:
            raise UsageError("give two spec folders, OLD and NEW, or --git REV")
        return load_spec(old), load_spec(new)

    from mlspec.compat.diff import export_git_spec

    if new is not None:
        raise UsageError("with --git REV give at most one folder, the new spec")
    new = (old or _repository_root(Path.cwd()) / "spec").resolve()
    repository = _repository_root(new)
    scratch = click.get_current_context().with_resource(
        tempfile.TemporaryDirectory(prefix="mlspec-diff-")
    )
    exported = export_git_spec(
        git_revision, Path(scratch), repository, new.relative_to(repository)
    )
    return load_spec(exported), load_spec(new)


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
    help="Compare the spec folder at this git revision with the working tree's "
    "copy; the one folder given (default: spec/ of the current repository) is NEW.",
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
    from mlspec.compat.diff import diff_specs

    old_spec, new_spec = _load_pair(old, new, git_revision)
    report = diff_specs(old_spec, new_spec)
    if output_format == "json":
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        _print_text(report)
    sys.exit(EXIT_ACCEPTABLE if report.acceptable else EXIT_BREAKING)


def _dump(document: dict, fmt: str) -> str:
    if fmt == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@click.command("upgrade")
@click.argument(
    "document", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the upgraded document to (default: standard output). "
    "Its suffix (.json, .yaml, .yml) sets the format; otherwise the input's format is kept.",
)
def upgrade_command(document: Path, output: Path | None) -> None:
    """Rewrite DOCUMENT from an older spec version to the installed one.

    Only mechanical changes are made: renamed fields and lists, and new
    fields with a default. Comments and anchors of YAML input are not kept,
    but key order is. The result
    is validated: exits 0 when it is valid, 1 when it still has errors, cannot
    be upgraded or cannot be parsed, and 2 when DOCUMENT does not exist.
    """
    result = upgrade_document(read_document(document), load_spec().version)
    for edit in result.edits:
        click.echo(f"{document}: {edit}", err=True)

    fmt = suffix_format(output or document) or "json"
    text = _dump(result.document, "yaml" if fmt == "yaml" else "json")
    if output is None:
        click.echo(text, nl=False)
    else:
        _write(output, text)

    # A written file is validated as written, so findings carry its positions.
    if output is None:
        report = validate(result.document, name="<stdout>")
    else:
        report = validate(output)
    for finding in report.errors:
        click.echo(finding.format_text(), err=True)
    versions = " -> ".join(result.versions)
    state = "valid" if report.valid else f"{len(report.errors)} errors remain"
    click.echo(f"{document}: spec {versions}: {state}", err=True)
    sys.exit(0 if report.valid else 1)


@click.command("migrate")
@click.argument("old", required=False, type=_spec_dir)
@click.argument("new", required=False, type=_spec_dir)
@click.option(
    "--git",
    "git_revision",
    metavar="REV",
    help="Migrate from the spec folder at this git revision to the working tree's "
    "copy; the one folder given (default: spec/ of the current repository) is NEW.",
)
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="Drop columns and tables even when they contain data. Without it, the "
    "script raises before such a drop.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write the SQL script to (default: standard output).",
)
def migrate_command(
    old: Path | None,
    new: Path | None,
    git_revision: str | None,
    allow_data_loss: bool,
    output: Path | None,
) -> None:
    """Write the PostgreSQL migration from OLD's generated schema to NEW's.

    The script is one transaction (BEGIN ... COMMIT). Exits 0 when it was
    written, 2 for a usage error or a spec that cannot be loaded.
    """
    from mlspec.compat.migrate import migration_sql

    old_spec, new_spec = _load_pair(old, new, git_revision)
    script = migration_sql(old_spec, new_spec, allow_data_loss=allow_data_loss)
    if output is None:
        click.echo(script, nl=False)
    else:
        _write(output, script)


def _write(output: Path, text: str) -> None:
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror}") from None


def register(group: click.Group) -> None:
    """Add the compatibility commands to the ``mlspec`` group."""
    group.add_command(diff_command)
    group.add_command(migrate_command)
    group.add_command(upgrade_command)
