"""Export documents into a real MLflow SQLite store and import them back."""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

import mlspec  # noqa: E402
from mlspec.mlflow import export_document, import_store  # noqa: E402

pytestmark = pytest.mark.mlflow

REPO = Path(__file__).resolve().parents[1]
CHURN = REPO / "examples" / "churn.yaml"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Create one migrated SQLite store, which each test copies to skip migrations."""
    path = tmp_path_factory.mktemp("template") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def tracking_uri(empty_store: Path, tmp_path: Path) -> str:
    target = tmp_path / "mlflow.db"
    shutil.copy(empty_store, target)
    return f"sqlite:///{target}"


def churn() -> dict[str, Any]:
    return mlspec.read_document(CHURN)


def scenario_document() -> dict[str, Any]:
    """A run with training-config params, eval metrics and version 1 in Staging."""
    return {
        "spec_version": "1.0",
        "experiment_management": {
            "experiments": [
                {
                    "experiment_id": "EXP-1",
                    "experiment_name": "fraud",
                    "created_by": "ana",
                    "created_at": "2024-03-01T08:00:00Z",
                }
            ],
            "runs": [
                {
                    "run_id": "RUN-1",
                    "experiment_id": "EXP-1",
                    "run_name": "xgb-baseline",
                    "run_status": "Finished",
                    "start_time": "2024-03-01T08:05:00Z",
                    "end_time": "2024-03-01T08:25:30.250Z",
                    "parameters": {
                        "optimizer": "Adam",
                        "learning_rate": 0.001,
                        "batch_size": 64,
                        "early_stopping": True,
                    },
                    "metrics": [
                        {
                            "key": "loss",
                            "value": 0.9,
                            "step": 1,
                            "timestamp": "2024-03-01T08:10:00Z",
                        },
                        {
                            "key": "loss",
                            "value": 0.5,
                            "step": 2,
                            "timestamp": "2024-03-01T08:15:00Z",
                        },
                        {
                            "key": "loss",
                            "value": 0.31,
                            "step": 3,
                            "timestamp": "2024-03-01T08:20:00Z",
                        },
                        {"key": "eval_auc", "value": 0.93, "step": 3},
                        {"key": "eval_f1", "value": 0.81, "step": 3},
                    ],
                }
            ],
        },
        "model_registry": {
            "registered_models": [
                {
                    "model_id": "MODEL-1",
                    "model_name": "fraud-detector",
                    "model_description": "Flags card fraud.",
                    "created_by": "ana",
                    "created_at": "2024-03-01T09:00:00Z",
                }
            ],
            "model_versions": [
                {
                    "version_id": "VER-1",
                    "model_id": "MODEL-1",
                    "version_number": 1,
                    "version_stage": "Staging",
                    "run_id": "RUN-1",
                    "model_uri": "runs:/RUN-1/model",
                    "model_format": "MLflow",
                    "aliases": ["champion"],
                    "created_at": "2024-03-01T09:00:00Z",
                    "created_by": "ana",
                }
            ],
        },
    }


def flat_id_map(report: Any) -> dict[str, str]:
    """Merge the per-list id maps; the test documents share no id across lists."""
    return {old: new for ids in report.id_map.values() for old, new in ids.items()}


def apply_id_map(value: Any, id_map: dict[str, str]) -> Any:
    """Replace every old id in ``value`` with its new id, also inside runs:/ URIs."""
    if isinstance(value, dict):
        return {key: apply_id_map(item, id_map) for key, item in value.items()}
    if isinstance(value, list):
        return [apply_id_map(item, id_map) for item in value]
    if isinstance(value, str):
        if value in id_map:
            return id_map[value]
        for old, new in id_map.items():
            if value.startswith(f"runs:/{old}/"):
                return f"runs:/{new}/" + value.removeprefix(f"runs:/{old}/")
    return value


def remove_pointer(document: Any, pointer: str) -> None:
    *parents, last = pointer.lstrip("/").split("/")
    node = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        del node[int(last)]
    else:
        del node[last]


def prune_empty(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {key: prune_empty(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in ({}, [])}
    if isinstance(value, list):
        return [prune_empty(item) for item in value]
    return value


def expected_after_round_trip(original: dict[str, Any], report: Any) -> dict[str, Any]:
    """Return the original minus every dropped field of the report, with ids mapped."""
    expected = copy.deepcopy(original)
    dropped = [entry.pointer for entry in report.entries if entry.action == "dropped"]
    # Delete list items from the back, so earlier indices stay valid.
    for pointer in sorted(dropped, key=_pointer_sort_key, reverse=True):
        remove_pointer(expected, pointer)
    return prune_empty(apply_id_map(expected, flat_id_map(report)))


def _pointer_sort_key(pointer: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in pointer.split("/")]


def without_default_experiment(document: dict[str, Any], report: Any) -> dict[str, Any]:
    """Drop experiments that MLflow made itself (Default), absent from the document."""
    exported = set(report.id_map["experiments"].values())
    result = copy.deepcopy(document)
    management = result["experiment_management"]
    management["experiments"] = [
        experiment
        for experiment in management["experiments"]
        if experiment["experiment_id"] in exported
    ]
    return result


def sort_points(document: dict[str, Any]) -> None:
    """Sort metric points by key and step, the order the importer writes them in."""
    for run in document["experiment_management"]["runs"]:
        if isinstance(run.get("metrics"), list):
            run["metrics"].sort(key=lambda point: (point["key"], point.get("step", 0)))


def test_churn_round_trip_equal(tracking_uri: str) -> None:
    original = churn()
    export_report = export_document(
        original, tracking_uri, source=str(CHURN), base_dir=CHURN.parent
    )
    imported, import_report = import_store(tracking_uri)

    expected = expected_after_round_trip(original, export_report)
    actual = without_default_experiment(imported, export_report)
    assert actual == expected


def test_churn_report_lists_every_drop(tracking_uri: str) -> None:
    report = export_document(
        churn(), tracking_uri, source=str(CHURN), base_dir=CHURN.parent
    )

    actions = {entry.action for entry in report.entries}
    assert actions == {"dropped"}
    pointers = report.pointers()
    assert "/experiment_management/runs/0/artifacts/0" in pointers
    assert "/model_serving/model_deployments/0" in pointers
    assert "/model_training/training_runs/0" in pointers
    assert "/model_registry/model_metadata/0" in pointers
    assert {name: set(ids) for name, ids in report.id_map.items()} == {
        "experiments": {"EXP-20240115103000"},
        "runs": {"RUN-20240115103500"},
        "training_definitions": {"DEF-20240115100000"},
        "registered_models": {"MODEL-20240115110000"},
        "model_versions": {"VER-20240115110000"},
    }


def test_import_maps_ids_back(tracking_uri: str) -> None:
    export_report = export_document(churn(), tracking_uri, source="churn.yaml")
    _, import_report = import_store(tracking_uri)

    reversed_map = {
        name: {new: old for old, new in ids.items()}
        for name, ids in export_report.id_map.items()
    }
    assert import_report.id_map == reversed_map


def test_export_twice_no_duplicates(tracking_uri: str) -> None:
    document = scenario_document()
    first = export_document(document, tracking_uri, source="scenario")
    second = export_document(document, tracking_uri, source="scenario")

    assert second.id_map == first.id_map
    assert second.counts["metric points"] == 0
    assert second.counts["parameters"] == 0
    client = MlflowClient(tracking_uri, tracking_uri)
    experiments = client.search_experiments(view_type=ViewType.ALL)
    assert sorted(experiment.name for experiment in experiments) == ["Default", "fraud"]
    runs = client.search_runs(
        [first.id_map["experiments"]["EXP-1"]], run_view_type=ViewType.ALL
    )
    assert len(runs) == 1
    assert len(client.get_metric_history(runs[0].info.run_id, "loss")) == 3
    assert len(client.search_model_versions("name = 'fraud-detector'")) == 1


def test_export_twice_churn_no_duplicates(tracking_uri: str) -> None:
    first = export_document(churn(), tracking_uri, source="churn.yaml")
    export_document(churn(), tracking_uri, source="churn.yaml")

    client = MlflowClient(tracking_uri, tracking_uri)
    assert len(client.search_experiments(view_type=ViewType.ALL)) == 3
    definitions = client.get_experiment_by_name("mlspec-training-definitions")
    all_ids = [
        first.id_map["experiments"]["EXP-20240115103000"],
        definitions.experiment_id,
    ]
    assert len(client.search_runs(all_ids, run_view_type=ViewType.ALL)) == 2


def test_training_scenario_in_store(tracking_uri: str) -> None:
    report = export_document(scenario_document(), tracking_uri, source="scenario")

    client = MlflowClient(tracking_uri, tracking_uri)
    run = client.get_run(report.id_map["runs"]["RUN-1"])
    assert run.info.run_name == "xgb-baseline"
    assert run.info.status == "FINISHED"
    assert run.info.start_time == 1709280300000
    assert run.info.end_time == 1709281530250
    assert run.data.params == {
        "optimizer": "Adam",
        "learning_rate": "0.001",
        "batch_size": "64",
        "early_stopping": "True",
    }
    assert run.data.metrics == {"loss": 0.31, "eval_auc": 0.93, "eval_f1": 0.81}
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [(point.step, point.value) for point in history] == [
        (1, 0.9),
        (2, 0.5),
        (3, 0.31),
    ]
    auc = client.get_metric_history(run.info.run_id, "eval_auc")
    assert [point.timestamp for point in auc] == [1709281530250]

    version = client.get_model_version("fraud-detector", "1")
    assert version.current_stage == "Staging"
    assert version.run_id == run.info.run_id
    assert version.source == f"runs:/{run.info.run_id}/model"
    assert version.aliases == ["champion"]
    model = client.get_registered_model("fraud-detector")
    assert model.description == "Flags card fraud."


def test_training_scenario_round_trip(tracking_uri: str) -> None:
    original = scenario_document()
    report = export_document(original, tracking_uri, source="scenario")
    imported, _ = import_store(tracking_uri)

    expected = expected_after_round_trip(original, report)
    # A point without a timestamp gets the run's end_time, written out on import.
    for point in expected["experiment_management"]["runs"][0]["metrics"]:
        point.setdefault("timestamp", "2024-03-01T08:25:30.250Z")
    expected["experiment_management"]["runs"][0]["duration"] = 1230.25
    actual = without_default_experiment(imported, report)
    sort_points(expected)
    sort_points(actual)
    assert actual == expected
    assert mlspec.validate(imported).valid


def test_training_definition_params(tracking_uri: str) -> None:
    report = export_document(churn(), tracking_uri, source="churn.yaml")

    run = MlflowClient(tracking_uri, tracking_uri).get_run(
        report.id_map["training_definitions"]["DEF-20240115100000"]
    )
    params = run.data.params
    assert params["training_config.optimizer"] == "Adam"
    assert params["training_config.batch_size"] == "32"
    assert params["training_config.learning_rate"] == "0.01"
    assert params["model_architecture.input_shape"] == "[20]"
    assert params["data_config.training_data_path"] == "s3://churn-data/train.parquet"
    assert run.info.run_name == "churn_random_forest"


def non_finite_document() -> dict[str, Any]:
    run = {
        "run_id": "RUN-NF",
        "experiment_id": "EXP-NF",
        "run_name": "non-finite",
        "run_status": "Failed",
        "start_time": "2024-05-01T00:00:00Z",
        "end_time": "2024-05-01T00:01:00Z",
        "metrics": [
            {
                "key": "loss",
                "value": "NaN",
                "step": 0,
                "timestamp": "2024-05-01T00:00:10Z",
            },
            {
                "key": "loss",
                "value": "Infinity",
                "step": 1,
                "timestamp": "2024-05-01T00:00:20Z",
            },
            {
                "key": "loss",
                "value": "-Infinity",
                "step": 2,
                "timestamp": "2024-05-01T00:00:30Z",
            },
            {
                "key": "loss",
                "value": 1.7976931348623157e308,
                "step": 3,
                "timestamp": "2024-05-01T00:00:40Z",
            },
            {
                "key": "loss",
                "value": -1.7976931348623157e308,
                "step": 4,
                "timestamp": "2024-05-01T00:00:50Z",
            },
            {
                "key": "loss",
                "value": 5e-324,
                "step": 5,
                "timestamp": "2024-05-01T00:00:55Z",
            },
        ],
    }
    experiment = {
        "experiment_id": "EXP-NF",
        "experiment_name": "non-finite",
        "created_by": "ana",
        "created_at": "2024-05-01T00:00:00Z",
    }
    return {
        "spec_version": "1.0",
        "experiment_management": {"experiments": [experiment], "runs": [run]},
    }


def test_non_finite_metrics_round_trip(tracking_uri: str) -> None:
    original = non_finite_document()
    report = export_document(original, tracking_uri, source="non-finite")
    imported, _ = import_store(tracking_uri)

    run = imported["experiment_management"]["runs"][0]
    values = [point["value"] for point in run["metrics"]]
    assert values[:3] == ["NaN", "Infinity", "-Infinity"]
    assert values[3] == 1.7976931348623157e308
    assert values[4] == -1.7976931348623157e308
    assert values[5] == 5e-324
    assert not any(isinstance(value, float) and math.isinf(value) for value in values)
    expected = expected_after_round_trip(original, report)
    # The importer derives duration from start_time and end_time.
    expected["experiment_management"]["runs"][0]["duration"] = 60.0
    assert without_default_experiment(imported, report) == expected


def test_nested_runs_parents_first(tracking_uri: str) -> None:
    base = {"experiment_id": "E", "run_status": "Running"}
    runs = [
        {
            **base,
            "run_id": "grandchild",
            "run_name": "c2",
            "parent_run_id": "child",
            "start_time": "2024-01-01T00:00:02Z",
        },
        {
            **base,
            "run_id": "child",
            "run_name": "c1",
            "parent_run_id": "root",
            "start_time": "2024-01-01T00:00:01Z",
        },
        {
            **base,
            "run_id": "root",
            "run_name": "r",
            "start_time": "2024-01-01T00:00:00Z",
        },
    ]
    experiment = {
        "experiment_id": "E",
        "experiment_name": "nested",
        "created_by": "ana",
        "created_at": "2024-01-01T00:00:00Z",
    }
    document = {
        "spec_version": "1.0",
        "experiment_management": {"experiments": [experiment], "runs": runs},
    }
    report = export_document(document, tracking_uri, source="nested")

    client = MlflowClient(tracking_uri, tracking_uri)
    child = client.get_run(report.id_map["runs"]["child"])
    grandchild = client.get_run(report.id_map["runs"]["grandchild"])
    assert child.data.tags["mlflow.parentRunId"] == report.id_map["runs"]["root"]
    assert grandchild.data.tags["mlflow.parentRunId"] == report.id_map["runs"]["child"]
    imported, _ = import_store(tracking_uri)
    parents = {
        run["run_name"]: run.get("parent_run_id")
        for run in imported["experiment_management"]["runs"]
    }
    assert parents == {
        "r": None,
        "c1": report.id_map["runs"]["root"],
        "c2": report.id_map["runs"]["child"],
    }


def test_artifacts_logged_or_reported(tracking_uri: str, tmp_path: Path) -> None:
    folder = tmp_path / "doc"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "model.pkl").write_bytes(b"0123456789")
    document = non_finite_document()
    document["experiment_management"]["runs"][0]["artifacts"] = [
        {
            "artifact_id": "A1",
            "artifact_path": "models/model.pkl",
            "artifact_type": "Model",
            "artifact_size": 10,
        },
        {
            "artifact_id": "A2",
            "artifact_path": "data/missing.csv",
            "artifact_type": "Data",
        },
        {
            "artifact_id": "A3",
            "artifact_path": "s3://bucket/train.csv",
            "artifact_type": "Data",
        },
    ]
    report = export_document(document, tracking_uri, source="doc.yaml", base_dir=folder)

    run_id = report.id_map["runs"]["RUN-NF"]
    listed = MlflowClient(tracking_uri, tracking_uri).list_artifacts(run_id, "models")
    assert [(item.path, item.file_size) for item in listed] == [
        ("models/model.pkl", 10)
    ]
    assert "/experiment_management/runs/0/artifacts/1" in report.pointers()
    assert "/experiment_management/runs/0/artifacts/2" in report.pointers()
    imported, _ = import_store(tracking_uri)
    artifacts = imported["experiment_management"]["runs"][0]["artifacts"]
    assert artifacts == [
        {
            "artifact_id": "A1",
            "artifact_path": "models/model.pkl",
            "artifact_type": "Model",
            "artifact_size": 10,
        }
    ]


def test_large_run_split_into_batches(tracking_uri: str) -> None:
    document = non_finite_document()
    run = document["experiment_management"]["runs"][0]
    run["parameters"] = {f"p{index:03d}": index for index in range(150)}
    run["metrics"] = [
        {"key": f"m{index % 3}", "value": index / 7, "step": index // 3}
        for index in range(2500)
    ]
    report = export_document(document, tracking_uri, source="large")

    client = MlflowClient(tracking_uri, tracking_uri)
    stored = client.get_run(report.id_map["runs"]["RUN-NF"])
    assert len(stored.data.params) == 150
    lengths = [
        len(client.get_metric_history(stored.info.run_id, f"m{key}"))
        for key in range(3)
    ]
    assert lengths == [834, 833, 833]
    imported, _ = import_store(tracking_uri)
    assert (
        imported["experiment_management"]["runs"][0]["parameters"] == run["parameters"]
    )


def test_offset_and_microseconds_reported(tracking_uri: str) -> None:
    document = non_finite_document()
    run = document["experiment_management"]["runs"][0]
    run["start_time"] = "2024-05-01T02:00:00+02:00"
    run["end_time"] = "2024-05-01T00:01:00.123456Z"
    run["metrics"] = {"loss": 0.5}
    report = export_document(document, tracking_uri, source="offsets")
    imported, _ = import_store(tracking_uri)

    changed = {entry.pointer: entry.reason for entry in report.entries}
    assert "read back in UTC" in changed["/experiment_management/runs/0/start_time"]
    assert "finer digits are cut" in changed["/experiment_management/runs/0/end_time"]
    (run_back,) = imported["experiment_management"]["runs"]
    assert run_back["start_time"] == "2024-05-01T00:00:00Z"
    assert run_back["end_time"] == "2024-05-01T00:01:00.123Z"


def test_extension_fields_reported(tracking_uri: str) -> None:
    original = churn()
    original["x-origin"] = "hand-written"
    original["experiment_management"]["runs"][0]["x-note"] = {"reviewed": True}
    report = export_document(original, tracking_uri, source="churn.yaml")
    imported, _ = import_store(tracking_uri)

    pointers = report.pointers()
    assert "/x-origin" in pointers
    assert "/experiment_management/runs/0/x-note" in pointers
    assert "/model_serving/model_apis/0/request_schema" not in pointers
    expected = expected_after_round_trip(original, report)
    assert without_default_experiment(imported, report) == expected


def test_existing_experiment_name_reused(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri, tracking_uri)
    existing_id = client.create_experiment("fraud")

    report = export_document(scenario_document(), tracking_uri, source="scenario")

    assert report.id_map["experiments"]["EXP-1"] == existing_id
    reasons = {entry.pointer: entry.reason for entry in report.entries}
    reason = reasons["/experiment_management/experiments/0/experiment_name"]
    assert "reused" in reason
    assert client.get_experiment(existing_id).tags["mlspec.id"] == "EXP-1"


def test_deleted_experiment_restored(tracking_uri: str) -> None:
    first = export_document(scenario_document(), tracking_uri, source="scenario")
    client = MlflowClient(tracking_uri, tracking_uri)
    client.delete_experiment(first.id_map["experiments"]["EXP-1"])

    second = export_document(scenario_document(), tracking_uri, source="scenario")

    assert second.id_map["experiments"]["EXP-1"] == first.id_map["experiments"]["EXP-1"]
    assert (
        client.get_experiment(first.id_map["experiments"]["EXP-1"]).lifecycle_stage
        == "active"
    )
    assert "/experiment_management/experiments/0" in second.pointers()


def test_changed_param_reported(tracking_uri: str) -> None:
    export_document(scenario_document(), tracking_uri, source="scenario")
    changed = scenario_document()
    changed["experiment_management"]["runs"][0]["parameters"]["learning_rate"] = 0.01

    report = export_document(changed, tracking_uri, source="scenario")

    pointer = "/experiment_management/runs/0/parameters/learning_rate"
    reasons = {entry.pointer: entry.reason for entry in report.entries}
    assert "earlier value '0.001'" in reasons[pointer]
    run = MlflowClient(tracking_uri, tracking_uri).get_run(
        report.id_map["runs"]["RUN-1"]
    )
    assert run.data.params["learning_rate"] == "0.001"


def test_version_number_gap_reported(tracking_uri: str) -> None:
    document = scenario_document()
    document["model_registry"]["model_versions"][0]["version_number"] = 3

    report = export_document(document, tracking_uri, source="scenario")

    reasons = {entry.pointer: entry.reason for entry in report.entries}
    reason = reasons["/model_registry/model_versions/0/version_number"]
    assert reason == "MLflow numbers versions itself: version 3 became version 1"
    assert report.id_map["model_versions"]["VER-1"] == "fraud-detector/1"


def test_same_id_in_two_lists(tracking_uri: str) -> None:
    """Ids are unique only within a list, so an experiment and a run may share one."""
    document = scenario_document()
    management = document["experiment_management"]
    management["experiments"][0]["experiment_id"] = "X"
    management["runs"][0]["experiment_id"] = "X"
    management["runs"][0]["run_id"] = "X"
    version = document["model_registry"]["model_versions"][0]
    version["run_id"] = "X"
    version["model_uri"] = "runs:/X/model"

    report = export_document(document, tracking_uri, source="shared-ids")

    experiment_id = report.id_map["experiments"]["X"]
    run_id = report.id_map["runs"]["X"]
    client = MlflowClient(tracking_uri, tracking_uri)
    assert client.get_run(run_id).info.experiment_id == experiment_id
    assert client.get_model_version("fraud-detector", "1").run_id == run_id


def test_changed_start_time_reported(tracking_uri: str) -> None:
    export_document(scenario_document(), tracking_uri, source="scenario")
    changed = scenario_document()
    changed["experiment_management"]["runs"][0]["start_time"] = "2024-03-01T08:06:00Z"

    report = export_document(changed, tracking_uri, source="scenario")

    assert "/experiment_management/runs/0/start_time" in report.pointers()
    run = MlflowClient(tracking_uri, tracking_uri).get_run(
        report.id_map["runs"]["RUN-1"]
    )
    assert run.info.start_time == 1709280300000


def test_changed_metric_point_reported(tracking_uri: str) -> None:
    export_document(scenario_document(), tracking_uri, source="scenario")
    changed = scenario_document()
    changed["experiment_management"]["runs"][0]["metrics"][1]["value"] = 0.45

    report = export_document(changed, tracking_uri, source="scenario")

    pointer = "/experiment_management/runs/0/metrics/1"
    reasons = {entry.pointer: entry.reason for entry in report.entries}
    assert "cannot change it" in reasons[pointer]
    run_id = report.id_map["runs"]["RUN-1"]
    history = MlflowClient(tracking_uri, tracking_uri).get_metric_history(
        run_id, "loss"
    )
    assert [point.value for point in history] == [0.9, 0.5, 0.31]


def test_non_finite_export_twice(tracking_uri: str) -> None:
    export_document(non_finite_document(), tracking_uri, source="non-finite")
    second = export_document(non_finite_document(), tracking_uri, source="non-finite")

    assert second.counts["metric points"] == 0
    assert second.entries == []


def test_artifacts_outside_folder_or_colliding_are_reported(
    tracking_uri: str, tmp_path: Path
) -> None:
    folder = tmp_path / "doc"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "model.pkl").write_bytes(b"inside")
    (tmp_path / "secret.txt").write_text("outside")
    document = non_finite_document()
    document["experiment_management"]["runs"][0]["artifacts"] = [
        {
            "artifact_id": "A1",
            "artifact_path": "../secret.txt",
            "artifact_type": "Other",
        },
        {
            "artifact_id": "A2",
            "artifact_path": str(tmp_path / "secret.txt"),
            "artifact_type": "Other",
        },
        {"artifact_id": "A3", "artifact_path": "a/model.pkl", "artifact_type": "Model"},
        {"artifact_id": "A4", "artifact_path": "a/model.pkl", "artifact_type": "Model"},
    ]

    report = export_document(document, tracking_uri, source="doc.yaml", base_dir=folder)

    run_id = report.id_map["runs"]["RUN-NF"]
    client = MlflowClient(tracking_uri, tracking_uri)
    assert [item.path for item in client.list_artifacts(run_id)] == ["a"]
    for index in (0, 1, 3):
        assert f"/experiment_management/runs/0/artifacts/{index}" in report.pointers()
