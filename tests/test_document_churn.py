"""Replay the churn example through the Document API and compare with examples/churn.yaml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import mlspec
from mlspec.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "churn.yaml"

# Fields that hold generated ids, references to them, or clock times.
GENERATED = {
    "experiment_id",
    "run_id",
    "model_id",
    "version_id",
    "artifact_id",
    "parent_run_id",
    "model_uri",
    "created_at",
    "updated_at",
    "start_time",
    "end_time",
    "duration",
}


def record_churn(path: Path) -> dict[str, str]:
    """Record the churn scenario into ``path`` and return the generated ids."""
    with mlspec.open(path, user="data-science-team") as doc:
        experiment = doc.create_experiment(
            "CustomerChurnPrediction",
            description="Predict which customers will cancel their subscription.",
            tags=["classification", "customer_analytics"],
        )
        with doc.start_run(experiment, "RandomForest_v1") as run:
            run.log_params(
                {"n_estimators": 100, "max_depth": 10, "learning_rate": 0.01}
            )
            run.log_metrics({"accuracy": 0.85, "precision": 0.82, "recall": 0.88})
            run.log_artifact("models/churn_random_forest.pkl", "Model", 2048576)
            run.set_tag("baseline")
            run.set_tag("random_forest")

        doc.create_registered_model(
            "CustomerChurnModel",
            description="Random forest that predicts customer churn.",
            tags=["churn", "production_candidate"],
        )
        version = doc.register_model(
            "CustomerChurnModel",
            run,
            uri=f"runs:/{run.run_id}/model",
            format="Scikit_Learn",
            description="First random forest baseline.",
        )
        doc.transition(version, "Staging")
    return {"run": run.run_id, "version": version.version_id}


def without_generated(entity: dict) -> dict:
    """Drop generated fields, recursing into artifact lists."""
    kept = {}
    for key, value in entity.items():
        if key in GENERATED:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = [without_generated(item) for item in value]
        kept[key] = value
    return kept


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("churn") / "churn.yaml"
    ids = record_churn(path)
    return path, ids


@pytest.fixture(scope="module")
def example() -> dict:
    return mlspec.read_document(EXAMPLE)


@pytest.mark.parametrize(
    ("section", "list_name"),
    [
        ("experiment_management", "experiments"),
        ("experiment_management", "runs"),
        ("model_registry", "registered_models"),
        ("model_registry", "model_versions"),
    ],
)
def test_churn_replay_matches_example(recorded, example, section, list_name):
    path, _ = recorded
    saved = mlspec.read_document(path)

    saved_entities = saved[section][list_name]
    expected_entities = example[section][list_name]
    assert len(saved_entities) == 1
    assert without_generated(saved_entities[0]) == without_generated(
        expected_entities[0]
    )


def test_churn_replay_links_ids(recorded):
    path, ids = recorded
    saved = mlspec.read_document(path)

    experiment = saved["experiment_management"]["experiments"][0]
    run = saved["experiment_management"]["runs"][0]
    model = saved["model_registry"]["registered_models"][0]
    version = saved["model_registry"]["model_versions"][0]
    assert run["run_id"] == ids["run"]
    assert run["experiment_id"] == experiment["experiment_id"]
    assert version["version_id"] == ids["version"]
    assert version["run_id"] == run["run_id"]
    assert version["model_id"] == model["model_id"]
    assert version["model_uri"] == f"runs:/{run['run_id']}/model"


def test_churn_replay_validates(recorded):
    path, _ = recorded

    report = mlspec.validate(path)

    assert report.findings == []
    assert report.valid


def test_churn_replay_passes_cli_validate(recorded):
    path, _ = recorded

    result = CliRunner().invoke(main, ["validate", str(path)])

    assert result.exit_code == 0, result.output


def test_churn_replay_saves_json_too(recorded, tmp_path):
    path, _ = recorded
    doc = mlspec.open(path)

    saved = doc.save(tmp_path / "churn.json")

    assert mlspec.read_document(saved) == mlspec.read_document(path)
    assert mlspec.validate(saved).valid


def test_run_times_and_duration():
    start = datetime(2024, 1, 15, 10, 35, tzinfo=UTC)
    now = [start]
    doc = mlspec.Document(clock=lambda: now[0], user="data-science-team")
    experiment = doc.create_experiment("CustomerChurnPrediction")

    with doc.start_run(experiment, "RandomForest_v1") as run:
        run.log_metric("accuracy", 0.85)
        now[0] = start + timedelta(minutes=15)

    assert run.data["start_time"] == "2024-01-15T10:35:00Z"
    assert run.data["end_time"] == "2024-01-15T10:50:00Z"
    assert run.data["duration"] == 900
    assert run.status == "Finished"
