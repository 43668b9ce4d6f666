"""Import stores written by ordinary MLflow logging calls."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("mlflow")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

import mlspec  # noqa: E402
from mlspec.mlflow import import_store  # noqa: E402

pytestmark = pytest.mark.mlflow


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def tracking_uri(empty_store: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite store, set as MLflow's current tracking and registry URI."""
    target = tmp_path / "mlflow.db"
    shutil.copy(empty_store, target)
    uri = f"sqlite:///{target}"
    previous = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    yield uri
    mlflow.set_tracking_uri(previous[0])
    mlflow.set_registry_uri(previous[1])


@pytest.fixture
def logged_store(tracking_uri: str, tmp_path: Path) -> dict[str, str]:
    """Log a grid search with fluent calls, nested runs and a registered model."""
    experiment_id = mlflow.create_experiment(
        "grid", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment_id)
    mlflow.set_experiment_tag("mlflow.note.content", "Grid search over alpha.")
    ids: dict[str, str] = {"experiment": experiment_id}
    with mlflow.start_run(run_name="search") as parent:
        ids["parent"] = parent.info.run_id
        mlflow.log_param("cv", 3)
        mlflow.set_tag("best params", "{'alpha': 0.1}")
        for alpha in (0.1, 1.0):
            with mlflow.start_run(run_name=f"alpha-{alpha}", nested=True) as child:
                ids[f"child-{alpha}"] = child.info.run_id
                mlflow.log_param("alpha", alpha)
                for step in range(5):
                    mlflow.log_metric("loss", 1.0 / (step + 1 + alpha), step=step)
                with mlflow.start_run(run_name="fold-0", nested=True) as grandchild:
                    ids[f"grandchild-{alpha}"] = grandchild.info.run_id
                    mlflow.log_metric("fold_loss", alpha)
        mlflow.log_metric("best_loss", 0.2)
        model_folder = tmp_path / "model"
        model_folder.mkdir()
        (model_folder / "MLmodel").write_text("flavors:\n  sklearn: {}\n")
        mlflow.log_artifacts(str(model_folder), "model")
    version = mlflow.register_model(f"runs:/{ids['parent']}/model", "grid-model")
    ids["version"] = version.version
    return ids


def runs_by_name(document: dict) -> dict[str, dict]:
    return {run["run_name"]: run for run in document["experiment_management"]["runs"]}


def test_logged_store_validates(
    logged_store: dict[str, str], tracking_uri: str
) -> None:
    document, report = import_store(tracking_uri)

    validation = mlspec.validate(document)
    assert validation.errors == []
    assert report.counts["runs"] == 5


def test_logged_store_nesting(logged_store: dict[str, str], tracking_uri: str) -> None:
    document, _ = import_store(tracking_uri)

    runs = {run["run_id"]: run for run in document["experiment_management"]["runs"]}
    for alpha in (0.1, 1.0):
        child = runs[logged_store[f"child-{alpha}"]]
        grandchild = runs[logged_store[f"grandchild-{alpha}"]]
        assert child["parent_run_id"] == logged_store["parent"]
        assert grandchild["parent_run_id"] == child["run_id"]
    assert "parent_run_id" not in runs[logged_store["parent"]]


def test_logged_store_fields(logged_store: dict[str, str], tracking_uri: str) -> None:
    document, _ = import_store(tracking_uri)

    experiment = next(
        experiment
        for experiment in document["experiment_management"]["experiments"]
        if experiment["experiment_name"] == "grid"
    )
    assert experiment["experiment_description"] == "Grid search over alpha."
    runs = runs_by_name(document)
    parent = runs["search"]
    assert parent["parameters"] == {"cv": "3"}
    assert parent["tags"]["best params"] == "{'alpha': 0.1}"
    assert parent["run_status"] == "Finished"
    child = next(run for name, run in runs.items() if name == "alpha-0.1")
    steps = [point["step"] for point in child["metrics"] if point["key"] == "loss"]
    assert steps == [0, 1, 2, 3, 4]
    assert child["parameters"] == {"alpha": "0.1"}
    artifacts = parent["artifacts"]
    assert [(item["artifact_path"], item["artifact_type"]) for item in artifacts] == [
        ("model", "Model")
    ]


def test_logged_store_registry(logged_store: dict[str, str], tracking_uri: str) -> None:
    document, _ = import_store(tracking_uri)

    registry = document["model_registry"]
    assert [model["model_name"] for model in registry["registered_models"]] == [
        "grid-model"
    ]
    (version,) = registry["model_versions"]
    assert version["version_id"] == "grid-model/1"
    assert version["run_id"] == logged_store["parent"]
    assert version["version_stage"] == "None"
    assert version["model_format"] == "Scikit_Learn"
    assert version["model_uri"].endswith("model")


def test_experiment_filter(logged_store: dict[str, str], tracking_uri: str) -> None:
    document, _ = import_store(tracking_uri, experiments=["Default"])

    names = [
        e["experiment_name"] for e in document["experiment_management"]["experiments"]
    ]
    assert names == ["Default"]
    assert "runs" not in document["experiment_management"]
    assert "model_registry" not in document or not document["model_registry"].get(
        "model_versions"
    )


def test_unknown_experiment_rejected(tracking_uri: str) -> None:
    with pytest.raises(mlspec.UsageError, match="no experiment named 'nope'"):
        import_store(tracking_uri, experiments=["nope"])


def test_quirky_runs_reported(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri, tracking_uri)
    experiment_id = client.create_experiment("quirks")
    running = client.create_run(
        experiment_id, start_time=1_700_000_000_000, run_name="live"
    )
    seconds = client.create_run(
        experiment_id, start_time=1_700_000_000, run_name="seconds"
    )
    client.set_terminated(seconds.info.run_id, "FINISHED", end_time=1_700_000_060)
    client.log_metric(seconds.info.run_id, "loss", 0.5, timestamp=1_700_000_030)
    client.delete_run(running.info.run_id)
    skipped, skipped_report = import_store(tracking_uri)
    document, report = import_store(tracking_uri, include_deleted=True)

    names = set(runs_by_name(skipped))
    assert names == {"seconds"}
    assert any("is deleted" in entry.reason for entry in skipped_report.entries)
    runs = runs_by_name(document)
    assert "end_time" not in runs["live"]
    assert runs["live"]["run_status"] == "Running"
    assert runs["live"]["x-mlflow-lifecycle-stage"] == "deleted"
    flagged = {
        entry.pointer for entry in report.entries if "epoch seconds" in entry.reason
    }
    seconds_pointer = "/experiment_management/runs/0"
    assert f"{seconds_pointer}/start_time" in flagged
    assert f"{seconds_pointer}/end_time" in flagged
    assert f"{seconds_pointer}/metrics/loss" in flagged
    assert mlspec.validate(document).valid
