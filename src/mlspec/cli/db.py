"""``mlspec db``: create the tables, load documents, run reports and monitor deployments.

The database is ``--dsn`` or ``MLSPEC_DSN``. With neither, the commands start
a private PostgreSQL server in ``.mlspec/postgres`` (or ``--data-dir``) on
first use, which listens only on a Unix socket, and ``mlspec db stop`` stops it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import psycopg
from psycopg import sql

from mlspec import store
from mlspec.cli.validate import exit_code
from mlspec.store import server
from mlspec.validator import expand_paths, validate_paths

DEFAULT_DATA_DIR = Path(".mlspec") / "postgres"
EMBEDDED_DATABASE = "mlspec"
FORMATS = ("table", "json", "csv")


@click.group("db")
@click.option(
    "--dsn",
    envvar="MLSPEC_DSN",
    help="libpq connection string or URI [env: MLSPEC_DSN]; "
    "without it, an embedded server is started. Connecting times out after "
    f"{store.CONNECT_TIMEOUT_SECONDS} s unless connect_timeout in the DSN or "
    "PGCONNECT_TIMEOUT sets another value.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Data folder of the embedded server.",
)
@click.pass_context
def db_command(ctx: click.Context, dsn: str | None, data_dir: Path) -> None:
    """Store documents in PostgreSQL and report on them."""
    ctx.obj = {"dsn": dsn, "data_dir": data_dir}


def _resolve_dsn(ctx: click.Context) -> str:
    """Return ``--dsn``, or start the embedded server and return its database's DSN."""
    options = ctx.ensure_object(dict)
    if options["dsn"]:
        return options["dsn"]

    embedded = server.start(options["data_dir"])
    click.echo(
        f"mlspec: using the embedded PostgreSQL server in {embedded.data_dir} "
        f"(socket folder {embedded.socket_dir}); stop it with 'mlspec db stop'",
        err=True,
    )
    _create_database(embedded.dsn, EMBEDDED_DATABASE)
    return psycopg.conninfo.make_conninfo(embedded.dsn, dbname=EMBEDDED_DATABASE)


def _create_database(dsn: str, name: str) -> None:
    with store.connect(dsn) as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@db_command.command("init")
@click.pass_context
def init_command(ctx: click.Context) -> None:
    """Create the tables, indexes and comments that do not exist yet."""
    with store.connect(_resolve_dsn(ctx)) as conn:
        store.init(conn)
    click.echo("mlspec: tables are ready", err=True)


@db_command.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--init/--no-init",
    default=True,
    show_default=True,
    help="Create missing tables before loading.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar [default: when stderr is a terminal].",
)
@click.pass_context
def load_command(
    ctx: click.Context, paths: Sequence[Path], init: bool, progress: bool | None
) -> None:
    """Validate documents (JSON, YAML or JSON Lines) and store each in one transaction.

    Every file is validated before the first is stored, so an invalid file
    stores nothing at all. Exits 1 when a document is invalid and 2 when a
    file cannot be read or parsed, as mlspec validate does.
    """
    report = validate_paths(paths)
    for finding in report.findings:
        click.echo(finding.format_text(), err=True)
    if not report.valid:
        invalid = sorted({finding.file for finding in report.errors})
        click.echo(
            f"mlspec: nothing was loaded: {', '.join(invalid)} invalid", err=True
        )
        sys.exit(exit_code(report))

    with store.connect(_resolve_dsn(ctx)) as conn:
        if init:
            store.init(conn)
        for path in expand_paths(paths):
            summary = store.load(conn, path, progress=progress, already_validated=True)
            _echo_summary(summary)


def _echo_summary(summary: store.LoadSummary) -> None:
    click.echo(f"{summary.source}: {summary.entities} entities")
    rows = [
        {
            "table": name,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
        }
        for name, counts in summary.tables.items()
        if counts.inserted or counts.updated or counts.unchanged
    ]
    click.echo(_format_rows(rows, "table"))


@db_command.group("report")
def report_group() -> None:
    """Run a report: experiment-summary, model-performance, deployments, health, compare."""


def _window_options(function: Any) -> Any:
    """Add ``--window`` and ``--as-of``, shared by the health report and the monitor."""
    window = click.option(
        "--window",
        default="1h",
        show_default=True,
        help="Length of the window: 30m, 1h, 2d or '90 minutes' (seconds to weeks).",
    )
    as_of = click.option(
        "--as-of",
        default=None,
        help="End of the window as an RFC 3339 timestamp [default: now].",
    )
    return window(as_of(function))


def _format_option(function: Any) -> Any:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(function)


@report_group.command("experiment-summary")
@_format_option
@click.pass_context
def experiment_summary_command(ctx: click.Context, output_format: str) -> None:
    """Runs, finished runs and failed runs per experiment."""
    _run_report(ctx, "experiment-summary", output_format)


@report_group.command("model-performance")
@click.option(
    "--metric",
    default="accuracy",
    show_default=True,
    help="Metric whose average over each version's run is reported.",
)
@_format_option
@click.pass_context
def model_performance_command(
    ctx: click.Context, metric: str, output_format: str
) -> None:
    """Per model version: the average of one metric over its run, and its latest metrics."""
    _run_report(ctx, "model-performance", output_format, metric=metric)


@report_group.command("deployments")
@click.option("--active-only", is_flag=True, help="List only Active deployments.")
@_format_option
@click.pass_context
def deployments_command(
    ctx: click.Context, active_only: bool, output_format: str
) -> None:
    """Deployments with model name, version, environment and status, newest first."""
    _run_report(ctx, "deployments", output_format, active_only=active_only)


@report_group.command("health")
@click.argument("deployment_id")
@_window_options
@_format_option
@click.pass_context
def health_command(
    ctx: click.Context,
    deployment_id: str,
    window: str,
    as_of: str | None,
    output_format: str,
) -> None:
    """Prediction count, average latency and error rate of a deployment over a window."""
    _run_report(
        ctx,
        "health",
        output_format,
        deployment_id=deployment_id,
        window=window,
        as_of=as_of,
    )


@report_group.command("compare")
@click.argument("run_ids", nargs=-1, required=True)
@_format_option
@click.pass_context
def compare_command(
    ctx: click.Context, run_ids: tuple[str, ...], output_format: str
) -> None:
    """Status, parameters and latest metrics of the given runs, side by side."""
    rows = _fetch_report(ctx, "compare", run_ids=list(run_ids))
    missing = sorted(set(run_ids) - {row["run_id"] for row in rows})
    if missing:
        click.echo(f"mlspec: warning: runs not found: {', '.join(missing)}", err=True)
    if output_format == "json":
        click.echo(_format_rows(rows, "json"))
    else:
        click.echo(_format_rows(_side_by_side(rows), output_format))


def _run_report(
    ctx: click.Context, name: str, output_format: str, **params: Any
) -> None:
    click.echo(_format_rows(_fetch_report(ctx, name, **params), output_format))


def _fetch_report(ctx: click.Context, name: str, **params: Any) -> list[dict[str, Any]]:
    with store.connect(_resolve_dsn(ctx)) as conn:
        return store.report(conn, name, **params)


def _side_by_side(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pivot the runs: one row per field (status, each parameter, each metric), one column per run."""
    fields = ["run_name", "run_status", "start_time", "end_time"]
    parameters = sorted({key for run in runs for key in (run["parameters"] or {})})
    metrics = sorted({key for run in runs for key in (run["metrics"] or {})})
    rows = []
    for name in fields:
        rows.append({"field": name, **{run["run_id"]: run[name] for run in runs}})
    for key in parameters:
        values = {run["run_id"]: (run["parameters"] or {}).get(key) for run in runs}
        rows.append({"field": f"param {key}", **values})
    for key in metrics:
        values = {run["run_id"]: (run["metrics"] or {}).get(key) for run in runs}
        rows.append({"field": f"metric {key}", **values})
    return rows


@db_command.command("monitor")
@click.argument("deployment_id")
@_window_options
@_format_option
@click.pass_context
def monitor_command(
    ctx: click.Context,
    deployment_id: str,
    window: str,
    as_of: str | None,
    output_format: str,
) -> None:
    """Compute a deployment's health from model_predictions and store it as three metrics."""
    with store.connect(_resolve_dsn(ctx)) as conn:
        result = store.monitor(conn, deployment_id, window, as_of)
    click.echo(_format_rows(result.rows, output_format))


@db_command.command("stop")
@click.pass_context
def stop_command(ctx: click.Context) -> None:
    """Stop the embedded PostgreSQL server."""
    data_dir = ctx.ensure_object(dict)["data_dir"]
    if server.stop(data_dir):
        click.echo(f"mlspec: stopped the PostgreSQL server in {data_dir}", err=True)
    else:
        click.echo(f"mlspec: no PostgreSQL server is running in {data_dir}", err=True)


def _format_rows(rows: list[dict[str, Any]], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            [_json_row(row) for row in rows], indent=2, ensure_ascii=False
        )
    if output_format == "csv":
        return _csv(rows)
    return _table(rows)


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row.items()}


def _json_value(value: Any) -> Any:
    """Convert times to ISO 8601 and non-finite floats to mlspec's strings; keep the rest."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    value = _json_value(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue().rstrip("\n")


def _table(rows: list[dict[str, Any]]) -> str:
    """Render rows as aligned plain-text columns with a header line."""
    if not rows:
        return "(no rows)"
    headers = list(rows[0])
    cells = [[_cell(row.get(header)) for header in headers] for row in rows]
    widths = [
        max(len(header), *(len(line[i]) for line in cells))
        for i, header in enumerate(headers)
    ]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    ]
    lines.append("  ".join("-" * w for w in widths))
    for line in cells:
        lines.append(
            "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        )
    return "\n".join(lines)
