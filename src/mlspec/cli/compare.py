"""``mlspec compare``: show runs of a document side by side, without a database."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mlspec.compare import RunComparison, compare_runs
from mlspec.errors import UsageError
from mlspec.findings import Finding
from mlspec.reader import DocumentError, iter_records, read_document, suffix_format
from mlspec.schema_check import schema_findings
from mlspec.spec import load_spec
from mlspec.validator import validate

BEST_MARK = "*"


@click.command("compare")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--higher-is-better",
    "higher",
    multiple=True,
    metavar="METRIC",
    help="Rank METRIC with the largest value best (repeatable).",
)
@click.option(
    "--lower-is-better",
    "lower",
    multiple=True,
    metavar="METRIC",
    help="Rank METRIC with the smallest value best (repeatable).",
)
def compare_command(
    file: str,
    run_ids: tuple[str, ...],
    output_format: str,
    higher: tuple[str, ...],
    lower: tuple[str, ...],
) -> None:
    """Compare runs of FILE (JSON, YAML or JSON Lines): status, parameters, metrics.

    Each metric marks the run with the best latest value. Higher is better
    unless the name reads like a loss or error (loss, rmse, mae, ...); NaN
    and infinities are never best.
    """
    both = sorted(set(higher) & set(lower))
    if both:
        raise UsageError(f"metric {', '.join(both)} is both higher and lower is better")
    directions = {**dict.fromkeys(higher, True), **dict.fromkeys(lower, False)}

    if suffix_format(file) == "jsonl":
        document = _read_jsonl_runs(file, set(run_ids))
    else:
        document = read_document(file)
        _check_runs(file, document, run_ids)
    comparison = compare_runs(document, run_ids, directions)

    if output_format == "json":
        click.echo(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    elif output_format == "csv":
        _write_csv(comparison)
    else:
        Console().print(_table(comparison))


def _check_runs(file: str, document: Any, run_ids: tuple[str, ...]) -> None:
    """Raise ``DocumentError`` when a compared run does not match the run schema."""
    if not isinstance(document, dict):
        raise UsageError(f"{file}: expected a document (a JSON object or YAML mapping)")
    spec = load_spec()
    kind = spec.entity("runs")
    runs = (document.get(kind.section) or {}).get(kind.list_name) or []
    if not isinstance(runs, list):
        runs = []
    requested = set(run_ids)
    findings = []
    for index, run in enumerate(runs):
        if isinstance(run, dict) and run.get("run_id") in requested:
            pointer = f"{kind.pointer}/{index}"
            findings += schema_findings(spec, kind.uri, run, file, base=pointer)
    if findings:
        raise DocumentError(_with_positions(file, findings))


def _read_jsonl_runs(file: str, requested: set[str]) -> dict[str, Any]:
    """Collect the run records of a JSON Lines file into a document.

    Only the requested runs are kept whole and checked against the run
    schema; the other runs keep just their id for the not-found message.
    """
    spec = load_spec()
    kind = spec.entity("runs")
    runs: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for record_kind, entity, line in iter_records(file):
        if record_kind != kind.kind:
            continue
        if entity.get("run_id") not in requested:
            runs.append({"run_id": entity.get("run_id")})
            continue
        found = schema_findings(spec, kind.uri, entity, file)
        findings += [replace(finding, line=line) for finding in found]
        runs.append(entity)
    if findings:
        raise DocumentError(findings)
    return {kind.section: {kind.list_name: runs}}


def _with_positions(file: str, findings: list[Finding]) -> list[Finding]:
    """Return the findings with line and column, taken from a full validation of the file."""
    located = {
        (finding.pointer, finding.rule): finding for finding in validate(file).findings
    }
    return [located.get((f.pointer, f.rule), f) for f in findings]


def _cell(value: Any) -> str:
    """Render a value as the document writes it: strings bare, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _direction(higher_is_better: bool) -> str:
    return "max" if higher_is_better else "min"


def _table(comparison: RunComparison) -> Table:
    table = Table(
        title="Run comparison",
        caption=f"{BEST_MARK} best value; (max) higher is better, (min) lower is better",
    )
    # Text objects, not strings, so that brackets in names are not read as markup.
    table.add_column("")
    for run in comparison.runs:
        table.add_column(Text(f"{run.run_name}\n{run.run_id}"), overflow="fold")

    statuses = [Text(run.status) for run in comparison.runs]
    table.add_row(Text("status"), *statuses, end_section=True)
    for name in comparison.parameter_names:
        cells = [
            Text(_cell(run.parameters.get(name)) or "-") for run in comparison.runs
        ]
        table.add_row(Text(f"param {name}"), *cells)
    table.add_section()
    for metric in comparison.metrics:
        cells = []
        for run in comparison.runs:
            text = _cell(metric.values[run.run_id]) or "-"
            if run.run_id in metric.best_run_ids:
                cells.append(Text(f"{text} {BEST_MARK}", style="bold"))
            else:
                cells.append(Text(text))
        label = f"{metric.key} ({_direction(metric.higher_is_better)})"
        table.add_row(Text(label), *cells)
    return table


def _write_csv(comparison: RunComparison) -> None:
    """Write one row per field: kind, name, one column per run, then direction and best."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    run_ids = [run.run_id for run in comparison.runs]
    writer.writerow(["kind", "name", *run_ids, "direction", "best_run_ids"])
    writer.writerow(
        ["run_name", "", *(run.run_name for run in comparison.runs), "", ""]
    )
    writer.writerow(["status", "", *(run.status for run in comparison.runs), "", ""])
    for name in comparison.parameter_names:
        cells = [_cell(run.parameters.get(name)) for run in comparison.runs]
        writer.writerow(["parameter", name, *cells, "", ""])
    for metric in comparison.metrics:
        cells = [_cell(metric.values[run_id]) for run_id in run_ids]
        direction = _direction(metric.higher_is_better)
        best = " ".join(metric.best_run_ids)
        writer.writerow(["metric", metric.key, *cells, direction, best])
