"""The store's reports and the deployment monitor, run from the generated queries."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from mlspec.errors import UsageError
from mlspec.store.connection import StoreError, describe_error, statements
from mlspec.timestamps import TimestampError, parse_timestamp

log = logging.getLogger(__name__)

# Report name -> (query name, parameters with their defaults).
REPORTS: dict[str, tuple[str, dict[str, Any]]] = {
    "experiment-summary": ("report_experiment_summary", {}),
    "model-performance": ("report_model_performance", {"metric": "accuracy"}),
    "deployments": ("report_deployments", {"active_only": False}),
    "health": (
        "report_health",
        {"deployment_id": None, "window": "1 hour", "as_of": None},
    ),
    "compare": ("report_run_comparison", {"run_ids": None}),
}
# PostgreSQL intervals overflow near 178 million years; no useful window is that long.
_MAX_WINDOW_COUNT = 1_000_000
_SHORT_WINDOW = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_LONG_WINDOW = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(seconds?|minutes?|hours?|days?|weeks?)\s*$", re.IGNORECASE
)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class MonitorResult:
    """The three monitoring metrics that ``monitor`` computed and stored."""

    deployment_id: str
    monitoring_id: str
    prediction_count: int
    avg_latency_ms: float | None
    error_rate_percent: float
    rows: list[dict[str, Any]]


def normalize_window(window: str) -> str:
    """Turn ``30m``, ``1h``, ``2d`` or ``90 minutes`` into PostgreSQL interval text.

    Raises ``UsageError`` for anything else, and for a window of zero length.
    """
    match = _SHORT_WINDOW.match(window) or _LONG_WINDOW.match(window)
    if match is None or not 0 < float(match[1]) <= _MAX_WINDOW_COUNT:
        raise UsageError(
            f"invalid window {window!r}: use a positive length such as 30m, 1h, 2d or "
            f"'90 minutes', at most {_MAX_WINDOW_COUNT:,} units"
        )
    unit = _UNITS.get(match[2], match[2].rstrip("s") + "s")
    return f"{match[1]} {unit}"


def _check_as_of(as_of: Any) -> None:
    if isinstance(as_of, str):
        try:
            parse_timestamp(as_of)
        except TimestampError as error:
            raise UsageError(f"invalid --as-of {as_of!r}: {error}") from None


def _require_runs(conn: psycopg.Connection, run_ids: list[str]) -> None:
    found = {
        row[0]
        for row in conn.execute(
            "SELECT run_id FROM run_metadata WHERE run_id = ANY(%s)", (list(run_ids),)
        )
    }
    missing = [run_id for run_id in run_ids if run_id not in found]
    if missing:
        raise StoreError(
            f"run {', '.join(map(repr, missing[:5]))} not found in the database"
        )


def _require_deployment(conn: psycopg.Connection, deployment_id: str) -> None:
    row = conn.execute(
        "SELECT 1 FROM model_deployments WHERE deployment_id = %s", (deployment_id,)
    ).fetchone()
    if row is None:
        raise StoreError(
            f"deployment {deployment_id!r} not found; load a document that contains it first"
        )


def report(conn: psycopg.Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a report by name and return its rows as dicts.

    Names and parameters: ``experiment-summary``; ``model-performance``
    (``metric``, default accuracy); ``deployments`` (``active_only``);
    ``health`` (``deployment_id``, ``window`` such as ``1h``, ``as_of``
    default now); ``compare`` (``run_ids``).
    """
    key = name.replace("_", "-")
    if key not in REPORTS:
        raise UsageError(f"unknown report {name!r}; choose one of {', '.join(REPORTS)}")
    query, defaults = REPORTS[key]
    unknown = set(params) - set(defaults)
    if unknown:
        raise UsageError(
            f"report {key} takes no parameter {', '.join(sorted(unknown))}"
        )
    values = {**defaults, **params}
    missing = [
        param for param, value in values.items() if value is None and param != "as_of"
    ]
    if missing:
        raise UsageError(f"report {key} needs {', '.join(missing)}")
    if "window" in values:
        values["window"] = normalize_window(values["window"])
    _check_as_of(values.get("as_of"))
    if key == "health":
        _require_deployment(conn, values["deployment_id"])
    if key == "compare":
        _require_runs(conn, values["run_ids"])
    if "run_ids" in values:
        values["run_ids"] = list(values["run_ids"])
    with conn.transaction():
        _use_utc(conn)
        # Each report touches a few thousand index entries at most, but the
        # planner's cost estimate for the recursive metric-name scan passes
        # jit_above_cost, and compiling took longer than running the query.
        conn.execute("SET LOCAL jit = off")
        return _fetch(conn, query, values)


def monitor(
    conn: psycopg.Connection,
    deployment_id: str,
    window: str = "1 hour",
    as_of: datetime | str | None = None,
) -> MonitorResult:
    """Compute a deployment's prediction count, average latency and error rate, and store them.

    The metrics are written under the deployment's first monitoring entry (by
    id); a deployment without one gets ``MON-<deployment_id>``.
    """
    params = {
        "deployment_id": deployment_id,
        "window": normalize_window(window),
        "as_of": as_of,
    }
    _check_as_of(as_of)
    _require_deployment(conn, deployment_id)
    with conn.transaction():
        _use_utc(conn)
        found = _fetch(conn, "monitor_find_entry", params)
        if found:
            monitoring_id = found[0]["monitoring_id"]
        else:
            monitoring_id = f"MON-{deployment_id}"
            _fetch(
                conn,
                "monitor_create_entry",
                {**params, "monitoring_id": monitoring_id},
            )
        health = _fetch(conn, "report_health", params)[0]
        rows = _fetch(
            conn, "monitor_insert", {**params, "monitoring_id": monitoring_id}
        )
    log.info("stored %d monitoring metrics for deployment %s", len(rows), deployment_id)
    return MonitorResult(
        deployment_id=deployment_id,
        monitoring_id=monitoring_id,
        prediction_count=health["prediction_count"],
        avg_latency_ms=health["avg_latency_ms"],
        error_rate_percent=health["error_rate_percent"],
        rows=rows,
    )


def _use_utc(conn: psycopg.Connection) -> None:
    """Read an ``as_of`` without an offset as UTC and return times in UTC, as loads do."""
    conn.execute("SET LOCAL TimeZone = 'UTC'")


def _fetch(
    conn: psycopg.Connection, query_name: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run a named statement of reports.sql and return its rows, if it has any."""
    try:
        with conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(statements()[query_name], params)
            return cursor.fetchall() if cursor.description else []
    except psycopg.Error as error:
        raise StoreError(f"{query_name} failed: {describe_error(error)}") from None
