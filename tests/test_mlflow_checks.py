"""MLflow's limits are checked before an export writes anything."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from mlspec.mlflow import mapping
from mlspec.mlflow.checks import check_document
from mlspec.mlflow.run_writer import batches

BASE: dict[str, Any] = {
    "spec_version": "1.0",
    "experiment_management": {
        "experiments": [
            {
                "experiment_id": "E",
                "experiment_name": "limits",
                "created_by": "ana",
                "created_at": "2024-01-01T00:00:00Z",
            }
        ],
        "runs": [
            {
                "run_id": "R",
                "experiment_id": "E",
                "run_name": "r",
                "start_time": "2024-01-01T00:00:00Z",
                "parameters": {"alpha": "1"},
                "metrics": {"loss": 0.5},
            }
        ],
    },
    "model_registry": {
        "registered_models": [
            {
                "model_id": "M",
                "model_name": "model",
                "created_by": "ana",
                "created_at": "2024-01-01T00:00:00Z",
            }
        ],
        "model_versions": [
            {
                "version_id": "V",
                "model_id": "M",
                "version_number": 1,
                "run_id": "R",
                "model_uri": "runs:/R/model",
                "model_format": "MLflow",
                "created_at": "2024-01-01T00:00:00Z",
                "created_by": "ana",
            }
        ],
    },
}

RUN = "/experiment_management/runs/0"
VERSION = "/model_registry/model_versions/0"


def edit(path: tuple, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return document


RUN_PATH = ("experiment_management", "runs", 0)
VERSION_PATH = ("model_registry", "model_versions", 0)

CASES = [
    (
        "param value 6001 chars",
        edit((*RUN_PATH, "parameters"), {"alpha": "x" * 6001}),
        f"{RUN}/parameters/alpha",
        "mlflow-value-too-long",
    ),
    (
        "param key with #",
        edit((*RUN_PATH, "parameters"), {"a#b": "1"}),
        f"{RUN}/parameters/a#b",
        "mlflow-key-invalid",
    ),
    (
        "param key leaving its folder",
        edit((*RUN_PATH, "parameters"), {"../x": "1"}),
        f"{RUN}/parameters/..~1x",
        "mlflow-key-invalid",
    ),
    (
        "metric key with a double slash",
        edit((*RUN_PATH, "metrics"), {"a//b": 1}),
        f"{RUN}/metrics/a~1~1b",
        "mlflow-key-invalid",
    ),
    (
        "metric point key with a quote",
        edit((*RUN_PATH, "metrics"), [{"key": "ok"}, {"key": "bad'key", "value": 1}]),
        f"{RUN}/metrics/1/key",
        "mlflow-key-invalid",
    ),
    (
        "tag label with a comma",
        edit((*RUN_PATH, "tags"), ["fine", "a,b"]),
        f"{RUN}/tags/1",
        "mlflow-key-invalid",
    ),
    (
        "tag value 8001 chars",
        edit((*RUN_PATH, "tags"), {"note": "y" * 8001}),
        f"{RUN}/tags/note",
        "mlflow-value-too-long",
    ),
    (
        "experiment name 501 chars",
        edit(("experiment_management", "experiments", 0, "experiment_name"), "e" * 501),
        "/experiment_management/experiments/0/experiment_name",
        "mlflow-value-too-long",
    ),
    (
        "model name with slash",
        edit(("model_registry", "registered_models", 0, "model_name"), "team/model"),
        "/model_registry/registered_models/0/model_name",
        "mlflow-name-invalid",
    ),
    (
        "alias latest",
        edit((*VERSION_PATH, "aliases"), ["champion", "Latest"]),
        f"{VERSION}/aliases/1",
        "mlflow-alias-reserved",
    ),
    (
        "alias v1",
        edit((*VERSION_PATH, "aliases"), ["v1"]),
        f"{VERSION}/aliases/0",
        "mlflow-alias-reserved",
    ),
    (
        "alias with a dot",
        edit((*VERSION_PATH, "aliases"), ["a.b"]),
        f"{VERSION}/aliases/0",
        "mlflow-alias-invalid",
    ),
    (
        "parent missing",
        edit((*RUN_PATH, "parent_run_id"), "GONE"),
        f"{RUN}/parent_run_id",
        "mlflow-parent-missing",
    ),
    (
        "parent is itself",
        edit((*RUN_PATH, "parent_run_id"), "R"),
        f"{RUN}/parent_run_id",
        "mlflow-parent-cycle",
    ),
]


def test_base_document_passes() -> None:
    assert check_document(BASE, "base.yaml") == []


@pytest.mark.parametrize(
    ("document", "pointer", "rule"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_limit_violation_finding(document: dict, pointer: str, rule: str) -> None:
    findings = check_document(document, "doc.yaml")

    assert [(finding.pointer, finding.rule) for finding in findings] == [
        (pointer, rule)
    ]
    assert findings[0].file == "doc.yaml"
    assert findings[0].severity.value == "error"


def test_param_limit_boundary() -> None:
    document = edit((*RUN_PATH, "parameters"), {"alpha": "x" * 6000})

    assert check_document(document, "doc.yaml") == []


def test_definition_param_too_long() -> None:
    document = copy.deepcopy(BASE)
    document["model_training"] = {
        "training_definitions": [
            {
                "definition_id": "D",
                "definition_name": "d",
                "data_config": {
                    "training_data_path": "s3://data",
                    "data_preprocessing": ["step"] * 1000,
                },
            }
        ]
    }

    findings = check_document(document, "doc.yaml")

    pointers = [finding.pointer for finding in findings]
    expected = "/model_training/training_definitions/0/data_config/data_preprocessing"
    assert pointers == [expected]


def test_export_writes_nothing_on_violation(tmp_path: Path) -> None:
    pytest.importorskip("mlflow")
    from mlspec.mlflow import export_document
    from mlspec.mlflow.export import ExportError

    document = edit((*RUN_PATH, "parameters"), {"alpha": "x" * 6001, "b#": "1"})
    database = tmp_path / "mlflow.db"

    with pytest.raises(ExportError) as caught:
        export_document(document, f"sqlite:///{database}", source="doc.yaml")

    assert len(caught.value.findings) == 2
    assert f"{RUN}/parameters/alpha" in str(caught.value)
    assert not database.exists()


def test_batches_stay_within_limits() -> None:
    params = [f"p{index}" for index in range(250)]
    metrics = [f"m{index}" for index in range(2500)]
    tags = [f"t{index}" for index in range(150)]

    calls = list(batches(params, metrics, tags))

    for batch_params, batch_metrics, batch_tags in calls:
        assert len(batch_params) <= mapping.MAX_PARAMS_TAGS_PER_BATCH
        assert len(batch_tags) <= mapping.MAX_PARAMS_TAGS_PER_BATCH
        assert len(batch_metrics) <= mapping.MAX_METRICS_PER_BATCH
        total = len(batch_params) + len(batch_metrics) + len(batch_tags)
        assert total <= mapping.MAX_ENTITIES_PER_BATCH
    assert [item for batch in calls for item in batch[0]] == params
    assert [item for batch in calls for item in batch[1]] == metrics
    assert [item for batch in calls for item in batch[2]] == tags


SQL_COLUMN_CASES = [
    ("run name 251 chars", (*RUN_PATH, "run_name"), "r" * 251, f"{RUN}/run_name"),
    (
        "model name 257 chars",
        ("model_registry", "registered_models", 0, "model_name"),
        "m" * 257,
        "/model_registry/registered_models/0/model_name",
    ),
    (
        "model description 5001 chars",
        ("model_registry", "registered_models", 0, "model_description"),
        "d" * 5001,
        "/model_registry/registered_models/0/model_description",
    ),
    (
        "version description 5001 chars",
        (*VERSION_PATH, "version_description"),
        "d" * 5001,
        f"{VERSION}/version_description",
    ),
    (
        "model uri 501 chars",
        (*VERSION_PATH, "model_uri"),
        "s3://bucket/" + "k" * 489,
        f"{VERSION}/model_uri",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "pointer"),
    [case[1:] for case in SQL_COLUMN_CASES],
    ids=[case[0] for case in SQL_COLUMN_CASES],
)
def test_sql_column_width_finding(path: tuple, value: str, pointer: str) -> None:
    findings = check_document(edit(path, value), "doc.yaml")

    assert [(finding.pointer, finding.rule) for finding in findings] == [
        (pointer, "mlflow-value-too-long")
    ]
    assert repr(value[:40] + "...") in findings[0].message


def test_runs_uri_length_uses_mlflow_id() -> None:
    """runs:/R/... gets MLflow's 32-character run id, so it grows by 31 characters."""
    fits = "runs:/R/" + "m" * (500 - len("runs:/") - 32 - 1)
    too_long = fits + "m"

    assert check_document(edit((*VERSION_PATH, "model_uri"), fits), "d") == []
    assert len(check_document(edit((*VERSION_PATH, "model_uri"), too_long), "d")) == 1
