"""Time the import of a real MLflow FileStore against ``mlflow migrate-filestore``.

The importer copies the store to a scratch folder, reads the copy and
validates the document it builds. ``mlflow migrate-filestore`` converts a
copy of the same store into a SQLite database. It runs as a subprocess, so
its time includes the start of a Python interpreter. Both read every run
and metric history, so the ratio compares the importer with MLflow's own
bulk reader.

Usage: PYTHONPATH=src python bench/bench_mlflow_import.py STORE
STORE is the folder that contains ``mlruns/``, such as the keras-history-v1
store (317 runs, 39,496 metric points).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mlspec
from mlspec.mlflow import import_store

ROUNDS = 3


def time_import(store: Path) -> tuple[float, int]:
    started = time.perf_counter()
    document, _ = import_store(str(store))
    assert mlspec.validate(document).valid
    elapsed = time.perf_counter() - started
    points = sum(
        len(run["metrics"])
        if isinstance(run.get("metrics"), list)
        else len(run.get("metrics", {}))
        for run in document["experiment_management"]["runs"]
    )
    return elapsed, points


def time_migrate(store: Path) -> float:
    """Run ``mlflow migrate-filestore`` on a copy, so the source stays untouched."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "source"
        shutil.copytree(store, source)
        target = f"sqlite:///{Path(scratch) / 'migrated.db'}"
        mlflow_command = Path(sys.executable).with_name("mlflow")
        started = time.perf_counter()
        subprocess.run(
            [
                str(mlflow_command),
                "migrate-filestore",
                "--source",
                str(source),
                "--target",
                target,
                "--no-progress",
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(
            "usage: bench_mlflow_import.py STORE (the folder that contains mlruns/)"
        )
    store = Path(sys.argv[1])
    if not (store / "mlruns").is_dir():
        sys.exit(f"{store} has no mlruns/ folder")

    import_times, migrate_times = [], []
    for _ in range(ROUNDS):
        imported, points = time_import(store)
        import_times.append(imported)
        migrate_times.append(time_migrate(store))
    imported = statistics.median(import_times)
    migrated = statistics.median(migrate_times)

    print(f"store {store.name}: {points} metric points imported")
    print(f"median of {ROUNDS} rounds")
    print(f"mlspec import (copy, read, validate): {imported:.2f} s")
    print(f"mlflow migrate-filestore (subprocess): {migrated:.2f} s")
    print(f"ratio import / migrate:               {imported / migrated:.2f}")


if __name__ == "__main__":
    main()
