"""Time ``mlspec mlflow export`` against plain ``MlflowClient.log_batch`` calls.

Both write the same generated runs (params, metric histories, tags) into a
fresh SQLite store in a temporary folder. The export also validates the
document, checks MLflow's limits and tags every entity for idempotency, so
the ratio is the cost of those steps on top of the writes.

Usage: PYTHONPATH=src python bench/bench_mlflow_export.py [--runs N] [--steps N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

import mlspec
from mlspec.mlflow import export_document
from mlspec.mlflow.mapping import timestamp_to_ms
from mlspec.mlflow.run_writer import batches

START_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
METRIC_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def build_document(runs: int, steps: int) -> dict[str, Any]:
    """Return ``runs`` runs with 20 params and 4 metrics of ``steps`` points each."""
    run_entities = []
    for index in range(runs):
        points = [
            {
                "key": key,
                "value": 1.0 / (step + 1 + offset),
                "step": step,
                "timestamp": _timestamp(START_MS + index * 600_000 + step * 1000),
            }
            for offset, key in enumerate(METRIC_KEYS)
            for step in range(steps)
        ]
        run_entities.append(
            {
                "run_id": f"RUN-{index:06d}",
                "experiment_id": "EXP-1",
                "run_name": f"trial-{index}",
                "run_status": "Finished",
                "start_time": _timestamp(START_MS + index * 600_000),
                "end_time": _timestamp(START_MS + index * 600_000 + steps * 1000),
                "parameters": {f"param_{number}": number * 0.5 for number in range(20)},
                "metrics": points,
                "tags": {"team": "bench", "trial": str(index)},
            }
        )
    experiment = {
        "experiment_id": "EXP-1",
        "experiment_name": "bench",
        "created_by": "bench",
        "created_at": _timestamp(START_MS),
    }
    return {
        "spec_version": "1.0",
        "experiment_management": {"experiments": [experiment], "runs": run_entities},
    }


def _timestamp(epoch_ms: int) -> str:
    from mlspec.mlflow.mapping import ms_to_timestamp

    return ms_to_timestamp(epoch_ms)


def fresh_store(template: Path, folder: Path) -> str:
    target = folder / "mlflow.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def time_plain(document: dict[str, Any], uri: str, artifacts: Path) -> float:
    """Write the runs with plain client calls: create_run, log_batch, set_terminated."""
    started = time.perf_counter()
    client = MlflowClient(uri, uri)
    experiment_id = client.create_experiment("bench", artifacts.as_uri())
    for run in document["experiment_management"]["runs"]:
        start = timestamp_to_ms(run["start_time"])
        run_id = client.create_run(experiment_id, start_time=start).info.run_id
        params = [Param(key, str(value)) for key, value in run["parameters"].items()]
        metrics = [
            Metric(p["key"], p["value"], timestamp_to_ms(p["timestamp"]), p["step"])
            for p in run["metrics"]
        ]
        tags = [RunTag(key, value) for key, value in run["tags"].items()]
        for batch_params, batch_metrics, batch_tags in batches(params, metrics, tags):
            client.log_batch(run_id, batch_metrics, batch_params, batch_tags)
        client.set_terminated(run_id, "FINISHED", timestamp_to_ms(run["end_time"]))
    return time.perf_counter() - started


def time_export(document: dict[str, Any], uri: str) -> float:
    """Validate and export the document the way ``mlspec mlflow export`` does."""
    started = time.perf_counter()
    assert mlspec.validate(document).valid
    export_document(document, uri, source="bench")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="number of runs")
    parser.add_argument("--steps", type=int, default=100, help="points per metric")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds; medians are printed"
    )
    arguments = parser.parse_args()

    document = build_document(arguments.runs, arguments.steps)
    points = arguments.runs * arguments.steps * len(METRIC_KEYS)
    plain_times, export_times = [], []
    with tempfile.TemporaryDirectory() as scratch:
        template = Path(scratch) / "template.db"
        MlflowClient(f"sqlite:///{template}").search_experiments()
        # A small warm-up round of each, so neither pays for first imports.
        warm_up = build_document(2, 2)
        for round_number in range(arguments.repeat + 1):
            folder = Path(scratch, f"round-{round_number}")
            (folder / "plain").mkdir(parents=True)
            (folder / "export").mkdir()
            data = warm_up if round_number == 0 else document
            plain = time_plain(
                data, fresh_store(template, folder / "plain"), folder / "artifacts"
            )
            exported = time_export(data, fresh_store(template, folder / "export"))
            if round_number > 0:
                plain_times.append(plain)
                export_times.append(exported)

    plain, exported = statistics.median(plain_times), statistics.median(export_times)
    print(f"{arguments.runs} runs, {points} metric points, 20 params per run")
    print(f"median of {arguments.repeat} rounds, each on a fresh SQLite store")
    print(f"plain MlflowClient.log_batch: {plain:.2f} s")
    print(f"mlspec export:                {exported:.2f} s")
    print(f"ratio export / plain:         {exported / plain:.2f}")


if __name__ == "__main__":
    main()
