"""Time each store report on a large synthetic store and print its query plan.

    PYTHONPATH=src python bench/bench_reports.py --runs 100000 --points 100

Fills an empty database with ``bench/report_data.py``: RUNS runs with
POINTS metric points each, 1,000 model versions, 200 deployments and
1,000,000 prediction logs by default, then VACUUM and ANALYZE. Each report
then runs REPEAT times through ``store.report``, and the script prints the
medians, followed by the plans from EXPLAIN (ANALYZE, BUFFERS). Without ``--dsn`` a
private server is started in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_data import Scale, explain, populate, report_parameters  # noqa: E402

from mlspec import store  # noqa: E402
from mlspec.store import server  # noqa: E402


def median_seconds(conn: psycopg.Connection, name: str, params: dict, repeat: int):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = store.report(conn, name, **params)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(rows)


def run(dsn: str, args: argparse.Namespace) -> None:
    scale = Scale(runs=args.runs, points_per_run=args.points)
    with store.connect(dsn) as conn:
        store.init(conn)
        started = time.perf_counter()
        populate(conn, scale, progress=True)
        print(
            f"filled {scale.runs} runs, {scale.runs * scale.points_per_run} metric "
            f"points, {scale.predictions} predictions in "
            f"{time.perf_counter() - started:.0f} s; load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        plans = {}
        for name, params in report_parameters(scale).items():
            seconds, count = median_seconds(conn, name, params, args.repeat)
            print(
                f"{name:20s} median of {args.repeat}: {seconds * 1000:8.1f} ms "
                f"({count} rows)",
                flush=True,
            )
            plans[name] = explain(conn, name, params, analyze=True)
        print(f"load average {os.getloadavg()[0]:.1f}")
        if args.plans:
            for name, plan in plans.items():
                print(f"\n== {name}\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="number of runs")
    parser.add_argument("--points", type=int, default=100, help="metric points per run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per report")
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument(
        "--dsn", help="PostgreSQL DSN of an empty database (default: a private server)"
    )
    args = parser.parse_args()

    if args.dsn:
        run(args.dsn, args)
        return

    folder = Path(tempfile.mkdtemp(prefix="mlspec-bench-"))
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
