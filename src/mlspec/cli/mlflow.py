"""``mlspec mlflow``: export documents to MLflow and import MLflow stores.

The ``mlflow`` package is optional. It is imported only when a command
runs, and a missing package ends the command with exit code 2 and the
install command.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from mlspec.errors import InputError, UsageError
from mlspec.findings import Finding
from mlspec.mlflow.report import ConversionReport

EXIT_INVALID = 1

# MLflow stores have no deployments, so the importer's documents would
# always break this business rule for Production versions.
IMPORT_SEVERITIES = {"production-no-active-deployment": "warning"}


@click.group("mlflow")
def mlflow_group() -> None:
    """Convert between mlspec documents and MLflow tracking stores."""


def _parse_severities(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    severities = {}
    for value in values:
        code, separator, level = value.partition("=")
        if not separator:
            raise click.BadParameter(f"{value!r} must look like RULE=error|warning|off")
        severities[code.strip()] = level.strip()
    return severities


severity_option = click.option(
    "--severity",
    "severities",
    multiple=True,
    callback=_parse_severities,
    metavar="RULE=LEVEL",
    help="Set a business rule of the validation to error, warning or off (repeatable).",
)


@mlflow_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--tracking-uri",
    required=True,
    help="MLflow tracking URI to write to, such as sqlite:///mlflow.db.",
)
@click.option(
    "--registry-uri",
    default=None,
    help="MLflow model registry URI; defaults to the tracking URI.",
)
@click.option(
    "--artifact-root",
    default=None,
    help="URI of the folder for the artifacts of new experiments; defaults to "
    "mlartifacts/ beside a SQLite database, else MLflow's default.",
)
@click.option(
    "--training-experiment",
    default="mlspec-training-definitions",
    show_default=True,
    help="Experiment that contains the runs written for training definitions.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report (id map and dropped fields) to this JSON file.",
)
@severity_option
def export_command(
    file: Path,
    tracking_uri: str,
    registry_uri: str | None,
    artifact_root: str | None,
    training_experiment: str,
    report_path: Path | None,
    severities: dict[str, str],
) -> None:
    """Write the document FILE (JSON, YAML or JSON Lines) into an MLflow tracking store.

    The document is validated and checked against MLflow's limits first.
    On any error nothing is written and the command exits 1.
    """
    from mlspec.mlflow.export import ExportError, export_document
    from mlspec.mlflow.runtime import require_mlflow

    require_mlflow()
    parsed = _read_valid_document(file, severities)
    try:
        report = export_document(
            parsed.instance,
            tracking_uri,
            source=str(file),
            base_dir=file.parent,
            registry_uri=registry_uri,
            artifact_root=artifact_root,
            training_experiment=training_experiment,
        )
    except ExportError as error:
        _print_findings(_locate(error.findings, parsed.locator))
        click.echo(f"mlspec: error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    _emit_report(report, report_path)


@mlflow_group.command("import")
@click.option(
    "--tracking-uri",
    "source",
    required=True,
    metavar="URI|PATH",
    help="Database tracking URI (sqlite:///mlflow.db) or path of an mlruns/ folder "
    "(or of the folder that contains it). A folder or SQLite database is read "
    "from a scratch copy and never written to.",
)
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    help="Import only the experiment with this name (repeatable).",
)
@click.option(
    "--include-deleted",
    is_flag=True,
    help="Also import deleted experiments and runs; they are skipped by default.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Document to write: YAML for .yaml/.yml, JSON for .json.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report (id map and every repaired or dropped field) as JSON.",
)
@click.option(
    "--load",
    is_flag=True,
    help="Also store the valid document in PostgreSQL in one transaction "
    "(needs --dsn).",
)
@click.option(
    "--dsn",
    default=None,
    help="PostgreSQL connection string for --load, such as 'host=/tmp dbname=mlspec'.",
)
@severity_option
def import_command(
    source: str,
    experiments: tuple[str, ...],
    include_deleted: bool,
    output: Path,
    report_path: Path | None,
    load: bool,
    dsn: str | None,
    severities: dict[str, str],
) -> None:
    """Read an MLflow tracking store into an mlspec document.

    The document is written, then validated. With --load, a valid document
    is also stored in PostgreSQL. An invalid one is not stored, and the
    command exits 1.
    """
    if load and not dsn:
        raise click.UsageError("--load needs --dsn")
    from mlspec.mlflow.importer import import_store
    from mlspec.validator import validate

    output_format = _output_format(output)
    policy = {**IMPORT_SEVERITIES, **severities}
    validate({}, severities=policy)  # raises on a bad --severity before any work
    document, report = import_store(
        source, experiments=list(experiments) or None, include_deleted=include_deleted
    )
    _write(output, _dump(document, output_format))
    # The written file is validated, so findings carry its lines and columns.
    validation = validate(output, severities=policy)
    report.findings.extend(validation.findings)
    _emit_report(report, report_path)
    _print_findings(validation.findings)
    if not validation.valid:
        click.echo(f"mlspec: error: {output} was written but is not valid", err=True)
        sys.exit(EXIT_INVALID)
    if load and dsn:
        _load(document, str(output), dsn)


def _load(document: dict[str, Any], name: str, dsn: str) -> None:
    """Create the tables if needed and store the document with ``mlspec.store.load``."""
    try:
        from mlspec import store
    except ImportError as error:
        raise UsageError(
            "--load needs the PostgreSQL store module mlspec.store, "
            "which this installation does not contain"
        ) from error

    with store.connect(dsn) as connection:
        store.init(connection)
        summary = store.load(connection, document, name=name, already_validated=True)
    click.echo(
        f"loaded {summary.entities} entities into {store.mask_dsn(dsn)}: "
        f"{summary.inserted} rows inserted, {summary.updated} updated"
    )


def _read_valid_document(file: Path, severities: dict[str, str]) -> Any:
    """Read FILE with positions, or print its validation errors and exit."""
    from mlspec.cli.validate import exit_code
    from mlspec.reader import (
        ParsedDocument,
        decode,
        parse_text,
        read_bytes,
        sniff_format,
        suffix_format,
    )
    from mlspec.validator import validate

    validation = validate(file, severities=severities)
    if not validation.valid:
        _print_findings(validation.findings)
        click.echo(
            f"mlspec: error: {file} is not valid; nothing was exported", err=True
        )
        sys.exit(exit_code(validation))
    name, data = read_bytes(file)
    text, _ = decode(name, data)
    # The validation above read the same bytes, so they decode.
    assert text is not None
    text_format = suffix_format(file) or sniff_format(text)
    if text_format == "jsonl":
        document, locator = _document_from_records(file)
        return ParsedDocument(name, document, locator)
    return parse_text(name, text, text_format)


def _document_from_records(file: Path) -> tuple[dict[str, Any], _RecordLocator]:
    """Assemble a document from the records of a JSON Lines file, in file order."""
    from mlspec import SPEC_VERSION, iter_records, load_spec

    spec = load_spec()
    document: dict[str, Any] = {"spec_version": SPEC_VERSION}
    locator = _RecordLocator()
    for kind, entity, line in iter_records(file):
        entity_kind = spec.entity(kind)
        section = document.setdefault(entity_kind.section, {})
        entities = section.setdefault(entity_kind.list_name, [])
        locator.lines[f"{entity_kind.pointer}/{len(entities)}"] = line
        entities.append(entity)
    return document, locator


class _RecordLocator:
    """Locator of the JSON Lines record line for a pointer into the document."""

    def __init__(self) -> None:
        self.lines: dict[str, int] = {}

    def locate(self, pointers: list[str]) -> dict[str, tuple[tuple[int, int], None]]:
        positions = {}
        for pointer in pointers:
            record = "/".join(pointer.split("/")[:4])
            if record in self.lines:
                positions[pointer] = ((self.lines[record], 1), None)
        return positions


def _locate(findings: list[Finding], locator: Any) -> list[Finding]:
    if locator is None:
        return findings
    positions = locator.locate([finding.pointer for finding in findings])
    located = []
    for finding in findings:
        value_position = positions.get(finding.pointer, (None, None))[0]
        if value_position is None:
            located.append(finding)
        else:
            line, column = value_position
            located.append(replace(finding, line=line, column=column))
    return located


def _print_findings(findings: list[Finding]) -> None:
    for finding in findings:
        click.echo(finding.format_text(), err=True)


def _emit_report(report: ConversionReport, report_path: Path | None) -> None:
    click.echo(report.format_text())
    if report_path is not None:
        _write(report_path, report.to_json())


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot write: {error.strerror}") from error


def _output_format(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    raise click.BadParameter(
        f"{output}: use a .yaml, .yml or .json file name", param_hint="--output"
    )


def _dump(document: dict[str, Any], output_format: str) -> str:
    if output_format == "json":
        return (
            json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        )
    import yaml

    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)
