"""Each store report's query plan uses the indexes of the large tables.

The store is filled with a few thousand synthetic runs (``bench/report_data.py``),
vacuumed and analyzed, and each report's EXPLAIN output is checked with the
planner's default settings. Timing lives in ``bench/bench_reports.py``.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlspec import store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from report_data import Scale, explain, populate, report_parameters  # noqa: E402

SCALE = Scale(runs=3000, points_per_run=20, predictions=50_000)

METRICS_KEY = "run_metrics_run_id_metric_name_step_metric_timestamp_key"

# Report -> indexes its plan must scan.
EXPECTED_INDEXES = {
    "model-performance": [METRICS_KEY],
    "health": ["model_predictions_deployment_id_prediction_timestamp_idx"],
    "compare": [
        "run_metadata_pkey",
        "run_parameters_run_id_parameter_name_key",
        METRICS_KEY,
    ],
}

LARGE_TABLES = ("run_metrics", "run_parameters", "model_predictions")


@pytest.fixture(scope="module")
def plans(pg_server_dsn: str) -> Iterator[dict[str, str]]:
    """EXPLAIN text of every report on a filled store, in a database of its own."""
    import psycopg
    from psycopg import sql

    name = f"mlspec_test_plans_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = psycopg.conninfo.make_conninfo(pg_server_dsn, dbname=name)
    try:
        with store.connect(dsn) as conn:
            store.init(conn)
            populate(conn, SCALE)
            yield {
                report: explain(conn, report, params)
                for report, params in report_parameters(SCALE).items()
            }
    finally:
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


def scanned_indexes(plan: str) -> set[str]:
    """Return the names of the indexes that a plan scans."""
    pattern = r"(?:Index Scan|Index Only Scan) using (\S+)|Bitmap Index Scan on (\S+)"
    return {first or second for first, second in re.findall(pattern, plan)}


def test_every_report_explained(plans: dict[str, str]) -> None:
    assert set(plans) == set(store.reports.REPORTS)


@pytest.mark.parametrize("report", sorted(EXPECTED_INDEXES))
def test_report_uses_indexes(report: str, plans: dict[str, str]) -> None:
    used = scanned_indexes(plans[report])

    for index in EXPECTED_INDEXES[report]:
        assert index in used, f"{report} does not scan {index}:\n{plans[report]}"


@pytest.mark.parametrize("report", sorted(report_parameters(SCALE)))
def test_no_scan_of_large_tables(report: str, plans: dict[str, str]) -> None:
    for table in LARGE_TABLES:
        assert f"Seq Scan on {table}" not in plans[report], plans[report]


def test_planner_defaults_kept(pg_server_dsn: str) -> None:
    import psycopg

    with psycopg.connect(pg_server_dsn) as conn:
        setting = conn.execute("SHOW enable_seqscan").fetchone()[0]

    assert setting == "on"
