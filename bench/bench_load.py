"""Compare ``mlspec.store.load`` with a raw COPY of the same rows into the same tables.

Builds a seeded synthetic document with ``bench/synth.py`` (RUNS runs, each
with PARAMS parameters, a metric history of POINTS points over four metric
keys, and TAGS tags), then in one process:

1. validates it with ``mlspec.validate`` (timed on its own);
2. loads it with ``store.load(..., already_validated=True)`` into an empty
   database: COPY into staging tables plus one upsert per table;
3. truncates the tables and COPYs the same rows straight into them;
4. logs the first MLFLOW_RUNS runs into a new MLflow SQLite store with plain
   ``MlflowClient`` calls: ``create_run``, one ``log_batch`` with the run's
   parameters, metric points and tags, and ``set_terminated``. Creating the
   store (MLflow's schema migrations) is not timed.

All rates count rows: one per run, parameter, metric point and tag. Usage:

    PYTHONPATH=src python bench/bench_load.py [--runs 100000] [--params 5]
        [--points 10] [--tags 2] [--mlflow-runs 500] [--dsn DSN]

Without ``--dsn`` a private server is started in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from synth import document as synthetic_document

from mlspec import store, validate
from mlspec.store import server
from mlspec.store.load import _document_entities, store_tables
from mlspec.store.rows import RowBuilder


def raw_copy(conn: psycopg.Connection, document: dict[str, Any]) -> tuple[int, float]:
    """COPY the document's rows straight into the tables; return rows and seconds."""
    tables = store_tables()
    builder = RowBuilder(tables)
    rows: dict[str, list[tuple]] = {table.name: [] for table in tables}
    for kind, entity in _document_entities(document):
        for table, row in builder.rows(kind, entity):
            rows[table.name].append(row)

    started = time.perf_counter()
    with conn.transaction():
        for table in tables:
            if not rows[table.name]:
                continue
            columns = sql.SQL(", ").join(
                sql.Identifier(name) for name in table.column_names
            )
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), columns
            )
            with conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows[table.name]:
                    copy.write_row(row)
    elapsed = time.perf_counter() - started
    return sum(len(table_rows) for table_rows in rows.values()), elapsed


def epoch_ms(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp() * 1000)


def time_mlflow(document: dict[str, Any], runs: int) -> tuple[int, float]:
    """Log the first ``runs`` runs into a new MLflow SQLite store; return rows and seconds."""
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    with tempfile.TemporaryDirectory() as folder:
        uri = f"sqlite:///{folder}/mlflow.db"
        client = MlflowClient(uri, uri)
        experiment_id = client.create_experiment("bench", Path(folder).as_uri())
        selected = document["experiment_management"]["runs"][:runs]
        rows = 0
        started = time.perf_counter()
        for run in selected:
            info = client.create_run(
                experiment_id, start_time=epoch_ms(run["start_time"])
            ).info
            params = [Param(key, value) for key, value in run["parameters"].items()]
            metrics = [
                Metric(p["key"], p["value"], epoch_ms(p["timestamp"]), p["step"])
                for p in run["metrics"]
            ]
            tags = [RunTag(key, value) for key, value in run["tags"].items()]
            client.log_batch(info.run_id, metrics, params, tags)
            client.set_terminated(info.run_id, "FINISHED", epoch_ms(run["end_time"]))
            rows += 1 + len(params) + len(metrics) + len(tags)
        return rows, time.perf_counter() - started


def truncate(conn: psycopg.Connection) -> None:
    names = sql.SQL(", ").join(sql.Identifier(table.name) for table in store_tables())
    conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(names))
    conn.commit()


def run(dsn: str, args: argparse.Namespace) -> None:
    document = synthetic_document(
        args.runs, args.params, args.points, args.tags, args.seed
    )

    started = time.perf_counter()
    report = validate(document)
    validate_seconds = time.perf_counter() - started
    if not report.valid:
        raise SystemExit(
            f"the synthetic document is invalid: {report.errors[0].format_text()}"
        )

    with store.connect(dsn) as conn:
        store.init(conn)
        truncate(conn)
        started = time.perf_counter()
        summary = store.load(conn, document, progress=False, already_validated=True)
        load_seconds = time.perf_counter() - started
        truncate(conn)
        copy_rows, copy_seconds = raw_copy(conn, document)

    mlflow_rows, mlflow_seconds = time_mlflow(document, args.mlflow_runs)

    load_rows = summary.inserted
    print(
        f"document: {args.runs} runs with {args.params} parameters, "
        f"{args.points} metric points and {args.tags} tags each: {load_rows} rows"
    )
    print(
        f"validate:    {validate_seconds:8.1f} s {args.runs / validate_seconds:10.0f} runs/s"
    )
    print(f"store.load:  {load_seconds:8.1f} s {load_rows / load_seconds:10.0f} rows/s")
    print(f"raw COPY:    {copy_seconds:8.1f} s {copy_rows / copy_seconds:10.0f} rows/s")
    print(
        f"MLflow:      {mlflow_seconds:8.1f} s {mlflow_rows / mlflow_seconds:10.0f} rows/s"
        f" ({min(args.mlflow_runs, args.runs)} runs, SQLite, log_batch)"
    )
    load_rate = load_rows / load_seconds
    print(f"load / COPY throughput:   {load_rate / (copy_rows / copy_seconds):6.2f}")
    print(
        f"load / MLflow throughput: {load_rate / (mlflow_rows / mlflow_seconds):6.1f}"
    )
    print(f"load average: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="number of runs")
    parser.add_argument("--params", type=int, default=5, help="parameters per run")
    parser.add_argument("--points", type=int, default=10, help="metric points per run")
    parser.add_argument("--tags", type=int, default=2, help="tags per run")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the synthetic document"
    )
    parser.add_argument(
        "--mlflow-runs",
        type=int,
        default=500,
        help="runs logged into MLflow for the comparison (default 500)",
    )
    parser.add_argument(
        "--dsn", help="PostgreSQL DSN (default: a private temporary server)"
    )
    args = parser.parse_args()

    if args.dsn:
        run(args.dsn, args)
        return

    folder = Path(tempfile.mkdtemp(prefix="mlspec-bench-"))
    # mkdtemp makes the folder private; the server's user must be able to enter it.
    folder.chmod(0o711)
    try:
        embedded = server.start(folder / "data")
        with psycopg.connect(embedded.dsn, autocommit=True) as admin:
            admin.execute("CREATE DATABASE bench")
        run(psycopg.conninfo.make_conninfo(embedded.dsn, dbname="bench"), args)
    finally:
        server.stop(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
