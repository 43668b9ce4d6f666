"""Import the real MLflow FileStores kept beside the repository and compare with MLflow.

Each store is read in place by the importer. The expected values come from
MLflow's own client reading a scratch copy of the same store, in which the
empty folders that git dropped have been recreated, because MLflow raises
"Run not found" without them.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

import mlspec  # noqa: E402
from mlspec.mlflow import import_store  # noqa: E402

pytestmark = pytest.mark.mlflow

# The stores live in ../shared/real-mlflow beside the repository. The
# MLSPEC_REAL_MLFLOW variable names another folder, such as from a git worktree.
REAL_STORES = Path(
    os.environ.get(
        "MLSPEC_REAL_MLFLOW",
        Path(__file__).resolve().parents[1].parent / "shared" / "real-mlflow",
    )
)
SLUGS = [
    "cpe393-registry",
    "gridsearch-nested",
    "hyperopt-nested-failed",
    "keras-history-v1",
    "mlflow3-logged-model",
    "registry-staging",
]

# Warnings the imported documents may carry, with the reason each is expected.
EXPLAINED_WARNINGS = {
    # MLflow has no deployments, so a Production version never has an Active
    # one. The test lowers this business rule to a warning, as the import
    # command does.
    "production-no-active-deployment",
}


def tree_digest(folder: Path) -> str:
    """Hash every path and file content below ``folder``, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
        digest.update(b"\1")
    return digest.hexdigest()


def mlflow_view(
    store: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """Read a scratch copy of the store with MLflow's client for the comparison."""
    copy = scratch / "mlruns"
    shutil.copytree(store, copy)
    for meta in copy.glob("*/*/meta.yaml"):
        if meta.parent.parent.name not in (".trash", "models"):
            for name in ("metrics", "params", "artifacts", "tags"):
                (meta.parent / name).mkdir(exist_ok=True)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(copy.as_uri(), copy.as_uri())

    experiments = client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    ids = [experiment.experiment_id for experiment in experiments]
    runs = client.search_runs(
        ids, run_view_type=ViewType.ACTIVE_ONLY, max_results=50000
    )
    view: dict[str, Any] = {
        "experiments": {
            experiment.experiment_id: experiment.name for experiment in experiments
        },
        "runs": {},
        "versions": {},
    }
    for run in runs:
        histories = {
            key: client.get_metric_history(run.info.run_id, key)
            for key in run.data.metrics
        }
        view["runs"][run.info.run_id] = {
            "experiment_id": run.info.experiment_id,
            "status": run.info.status,
            "params": run.data.params,
            "latest": run.data.metrics,
            "history_points": {
                key: {(point.step, point.timestamp, point.value) for point in history}
                for key, history in histories.items()
            },
            "history_lengths": {
                key: len(history) for key, history in histories.items()
            },
            "parent": run.data.tags.get("mlflow.parentRunId"),
        }
    for model in client.search_registered_models():
        for version in client.search_model_versions(f"name = '{model.name}'"):
            view["versions"][f"{model.name}/{version.version}"] = version.current_stage
    view["models"] = sorted(model.name for model in client.search_registered_models())
    return view


def latest_values(metrics: Any) -> dict[str, Any]:
    """Return each metric's latest value: highest step, then timestamp, then value."""
    if isinstance(metrics, dict):
        return metrics
    latest: dict[str, tuple] = {}
    for point in metrics or []:
        value = point["value"]
        order = (point["step"], point["timestamp"], _number(value))
        if point["key"] not in latest or order > latest[point["key"]][0]:
            latest[point["key"]] = (order, value)
    return {key: value for key, (_, value) in latest.items()}


def history_lengths(metrics: Any) -> dict[str, int]:
    if isinstance(metrics, dict):
        return {key: 1 for key in metrics}
    lengths: dict[str, int] = {}
    for point in metrics or []:
        lengths[point["key"]] = lengths.get(point["key"], 0) + 1
    return lengths


def _number(value: Any) -> float:
    return {"NaN": -math.inf, "Infinity": math.inf, "-Infinity": -math.inf}.get(
        value, value
    )


def _same_number(left: Any, right: float) -> bool:
    if isinstance(left, str):
        return left == "NaN" and math.isnan(right)
    return left == right


@pytest.fixture(params=SLUGS)
def store(request: pytest.FixtureRequest) -> Path:
    folder = REAL_STORES / request.param / "mlruns"
    if not folder.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")
    return folder


def test_real_store_import(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(store)
    document, report = import_store(str(store))
    after = tree_digest(store)
    expected = mlflow_view(store, tmp_path, monkeypatch)

    assert after == before, "the importer wrote into the source store"
    assert report.mlflow_version

    validation = mlspec.validate(
        document,
        name=store.parent.name,
        severities={"production-no-active-deployment": "warning"},
    )
    assert validation.errors == []
    assert {finding.rule for finding in validation.warnings} <= EXPLAINED_WARNINGS

    management = document.get("experiment_management", {})
    experiments = {
        experiment["experiment_id"]: experiment["experiment_name"]
        for experiment in management.get("experiments", [])
    }
    assert experiments == expected["experiments"]

    runs = {run["run_id"]: run for run in management.get("runs", [])}
    assert set(runs) == set(expected["runs"])
    for run_id, mlflow_run in expected["runs"].items():
        run = runs[run_id]
        assert run["experiment_id"] == mlflow_run["experiment_id"]
        assert run["run_status"].upper() == mlflow_run["status"]
        assert {
            key: str(value) for key, value in run.get("parameters", {}).items()
        } == (mlflow_run["params"])
        assert run.get("parent_run_id") == mlflow_run["parent"]
        latest = latest_values(run.get("metrics"))
        assert set(latest) == set(mlflow_run["latest"])
        for key, value in mlflow_run["latest"].items():
            assert _same_number(latest[key], value), (run_id, key)
        # Duplicated points (same step, timestamp and value) are kept once and
        # reported, so the document's history has one point per distinct point.
        distinct = {
            key: len(points) for key, points in mlflow_run["history_points"].items()
        }
        assert history_lengths(run.get("metrics")) == distinct

    registry = document.get("model_registry", {})
    models = sorted(
        model["model_name"] for model in registry.get("registered_models", [])
    )
    assert models == expected["models"]
    stages = {
        version["version_id"]: version["version_stage"]
        for version in registry.get("model_versions", [])
    }
    assert stages == expected["versions"]


def test_duplicated_points_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = REAL_STORES / "mlflow3-logged-model" / "mlruns"
    if not store.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")

    document, report = import_store(str(store))
    expected = mlflow_view(store, tmp_path, monkeypatch)

    (run,) = expected["runs"].values()
    assert set(run["history_lengths"].values()) == {2}
    duplicates = [
        entry for entry in report.entries if "duplicated point" in entry.reason
    ]
    assert len(duplicates) == len(run["history_lengths"])
    logged_models = [
        entry for entry in report.entries if "logged model" in entry.reason
    ]
    assert len(logged_models) == 1


def test_largest_double_kept(tmp_path: Path) -> None:
    store = REAL_STORES / "hyperopt-nested-failed" / "mlruns"
    if not store.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")

    document, _ = import_store(str(store))

    values = [
        point["value"]
        for run in document["experiment_management"]["runs"]
        for point in (run.get("metrics") or [])
        if isinstance(run.get("metrics"), list)
    ]
    assert 1.7976931348623157e308 in values
    assert "Infinity" not in values


def test_deleted_experiment_flag() -> None:
    store = REAL_STORES / "cpe393-registry" / "mlruns"
    if not store.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")

    skipped, skipped_report = import_store(str(store))
    included, included_report = import_store(str(store), include_deleted=True)

    def names(document: dict[str, Any]) -> set[str]:
        experiments = document["experiment_management"]["experiments"]
        return {experiment["experiment_name"] for experiment in experiments}

    assert "my-new-experiment" not in names(skipped)
    assert "my-new-experiment" in names(included)
    assert any("is deleted" in entry.reason for entry in skipped_report.entries)
    assert any("is deleted" in entry.reason for entry in included_report.entries)
    deleted = [
        experiment
        for experiment in included["experiment_management"]["experiments"]
        if experiment["experiment_name"] == "my-new-experiment"
    ]
    assert deleted[0]["x-mlflow-lifecycle-stage"] == "deleted"
    assert mlspec.validate(included).valid


def test_missing_source_reported() -> None:
    store = REAL_STORES / "cpe393-registry" / "mlruns"
    if not store.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")

    _, report = import_store(str(store))

    missing = [entry for entry in report.entries if "does not exist" in entry.reason]
    assert len(missing) == 3


def test_unnamed_runs_get_names() -> None:
    store = REAL_STORES / "keras-history-v1" / "mlruns"
    if not store.is_dir():
        pytest.skip(f"the real MLflow stores are not present at {REAL_STORES}")

    document, report = import_store(str(store))

    runs = document["experiment_management"]["runs"]
    generated = [run for run in runs if run["run_name"] == f"run-{run['run_id'][:8]}"]
    assert len(generated) == 287
    added = [
        entry
        for entry in report.entries
        if entry.reason.startswith("the run has no name")
    ]
    assert len(added) == 287
    no_creation = [
        entry for entry in report.entries if "no creation time" in entry.reason
    ]
    assert len(no_creation) == 4


@pytest.mark.postgres
def test_real_store_loads_into_postgres(store: Path, pg_dsn: str) -> None:
    """Each imported store fits the tables, and a second load changes nothing."""
    from mlspec import store as database

    document, _ = import_store(str(store), include_deleted=True)
    # Validated as the import command does, with the explained warning.
    severities = {"production-no-active-deployment": "warning"}
    assert mlspec.validate(document, severities=severities).valid
    name = store.parent.name

    with database.connect(pg_dsn) as connection:
        database.init(connection)
        first = database.load(connection, document, name=name, already_validated=True)
        second = database.load(connection, document, name=name, already_validated=True)
        stored_runs = connection.execute("SELECT count(*) FROM run_metadata").fetchone()

    runs = document.get("experiment_management", {}).get("runs", [])
    assert stored_runs == (len(runs),)
    assert first.inserted > 0
    assert second.inserted == 0
    assert second.updated == 0
