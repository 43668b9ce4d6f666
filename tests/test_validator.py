"""The validator's library API and the cross-entity rules."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

import mlspec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "churn.yaml").read_text())


def document(**changes):
    result = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = result
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return result


def rules(report):
    return sorted(finding.rule for finding in report.findings)


def run_of(doc):
    return doc["experiment_management"]["runs"][0]


def test_metric_history_form_is_valid():
    doc = document()
    run_of(doc)["metrics"] = [
        {"key": "loss", "value": 0.9, "step": 0, "timestamp": "2024-01-15T10:36:00Z"},
        {"key": "loss", "value": "NaN", "step": 1},
        {"key": "loss", "value": "-Infinity", "step": 2},
    ]

    assert mlspec.validate(doc).findings == []


def test_tags_as_map_are_valid():
    doc = document()
    run_of(doc)["tags"] = {"team": "churn", "mlflow.user": "alice"}

    assert mlspec.validate(doc).findings == []


def test_metric_value_string_other_than_nan_is_invalid():
    doc = document()
    run_of(doc)["metrics"]["accuracy"] = "high"

    assert rules(mlspec.validate(doc)) == ["schema-enum"]


def test_nan_in_range_checked_field_is_an_error():
    doc = document()
    doc["model_training"]["training_definitions"][0]["training_config"][
        "learning_rate"
    ] = "NaN"

    assert rules(mlspec.validate(doc)) == ["number-not-finite"]


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2024-02-30T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
    ],
)
def test_impossible_timestamps_are_errors(value):
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_date"] = value

    assert rules(mlspec.validate(doc)) == ["timestamp-invalid"]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59+01:00",
        "2016-12-31T23:59:60Z",
        "2024-02-29T12:00:00.123456+05:30",
    ],
)
def test_edge_timestamps_are_valid(value):
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_date"] = value

    assert mlspec.validate(doc).findings == []


def test_naive_timestamp_is_a_warning():
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_date"] = (
        "2024-01-16 09:00:00"
    )

    report = mlspec.validate(doc)

    assert rules(report) == ["timestamp-naive"]
    assert report.valid


def test_anyof_reports_the_meant_branch():
    doc = document()
    run_of(doc)["metrics"] = [{"key": "loss", "value": 0.5, "stepp": 1}]

    report = mlspec.validate(doc)

    assert rules(report) == ["schema-additional-property"]
    assert report.findings[0].pointer == "/experiment_management/runs/0/metrics/0/stepp"


def test_anyof_without_matching_type_names_the_types():
    doc = document()
    doc["experiment_management"]["experiments"][0]["experiment_tags"] = 5

    report = mlspec.validate(doc)

    assert rules(report) == ["schema-type"]
    assert "'array' or 'object'" in report.findings[0].message


def test_schema_path_names_the_file():
    doc = document()
    run_of(doc)["run_status"] = "Done"

    report = mlspec.validate(doc)

    assert (
        report.findings[0].schema_path
        == "experiment_management/run.schema.json#/$defs/RunStatus/enum"
    )


def test_missing_spec_version_is_a_warning():
    doc = document()
    del doc["spec_version"]

    assert rules(mlspec.validate(doc)) == ["spec-version-missing"]


def test_parent_cycle_through_three_runs():
    doc = document()
    base = run_of(doc)
    runs = doc["experiment_management"]["runs"]
    for index, parent in ((1, "RUN-3"), (2, "RUN-1"), (3, "RUN-2")):
        child = {k: v for k, v in base.items() if k in ("experiment_id", "start_time")}
        runs.append(
            {
                **child,
                "run_id": f"RUN-{index}",
                "run_name": f"r{index}",
                "parent_run_id": parent,
            }
        )

    report = mlspec.validate(doc)

    assert rules(report) == ["run-parent-cycle"]


def test_version_run_may_be_a_training_run():
    doc = document()
    doc["model_registry"]["model_versions"][0]["run_id"] = "TRN-20240115103500"

    assert mlspec.validate(doc).findings == []


def test_duplicate_alias_on_two_versions():
    doc = document()
    versions = doc["model_registry"]["model_versions"]
    versions[0]["aliases"] = ["champion"]
    versions.append(
        {
            **versions[0],
            "version_id": "VER-2",
            "version_number": 2,
            "version_stage": "None",
        }
    )

    assert rules(mlspec.validate(doc)) == ["alias-duplicate"]


def test_invalid_api_schema_is_reported():
    doc = document()
    doc["model_serving"]["model_apis"][0]["request_schema"] = {"type": "vector"}

    assert rules(mlspec.validate(doc)) == ["api-schema-invalid"]


def test_autoscaling_min_above_max():
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_config"]["auto_scaling"][
        "min_instances"
    ] = 20

    assert rules(mlspec.validate(doc)) == ["autoscaling-min-above-max"]


def test_duplicate_prediction_log_ids():
    doc = document()
    logs = doc["model_serving"]["model_monitoring"][0]["prediction_logs"]
    logs[1]["log_id"] = logs[0]["log_id"]

    assert rules(mlspec.validate(doc)) == ["id-duplicate"]


def test_wrong_types_do_not_crash_rules():
    doc = document()
    run_of(doc)["run_id"] = 5
    run_of(doc)["end_time"] = 7
    doc["model_registry"]["model_versions"][0]["aliases"] = "x"
    doc["model_serving"]["model_deployments"][0]["deployment_config"] = []

    report = mlspec.validate(doc)

    assert not report.valid


def test_non_object_document_is_invalid():
    assert rules(mlspec.validate([1, 2])) == ["schema-type"]


def test_relative_refs_resolve_against_their_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    spec = mlspec.load_spec()

    assert spec.entity("run").uri.endswith("experiment_management/run.schema.json")
    assert mlspec.validate(EXAMPLE, spec=spec).findings == []


def test_spec_never_retrieves_unknown_uris():
    import referencing.exceptions

    spec = mlspec.load_spec()

    with pytest.raises(referencing.exceptions.Unresolvable):
        spec.registry.resolver().lookup("https://example.com/schema.json")


def test_deep_free_form_json_is_rejected():
    doc = document()
    deep: list = []
    for _ in range(600):
        deep = [deep]
    doc["model_serving"]["model_monitoring"][0]["prediction_logs"][0]["input_data"] = (
        deep
    )

    report = mlspec.validate(doc)

    assert rules(report) == ["parse-too-deep"]
    assert report.findings[0].pointer.endswith("/prediction_logs/0/input_data")


def test_deep_json_file_is_rejected(tmp_path):
    path = tmp_path / "deep.json"
    text = (ROOT / "examples" / "churn.json").read_text()
    path.write_text(
        text.replace(
            '"input_data": {', '"input_data": {"x": ' + "[" * 700 + "]" * 700 + ", ", 1
        )
    )

    report = mlspec.validate(path)

    assert "parse-too-deep" in rules(report)


def test_strict_profile_checks_prefixed_ids():
    doc = document()
    run_of(doc)["run_id"] = "0123456789abcdef0123456789abcdef"
    for version in doc["model_registry"]["model_versions"]:
        version["run_id"] = run_of(doc)["run_id"]

    default, strict = mlspec.validate(doc), mlspec.validate(doc, profile="strict")

    assert default.findings == []
    assert rules(strict) == ["id-pattern-strict"]


def test_example_passes_strict_profile():
    assert mlspec.validate(EXAMPLE, profile="strict").findings == []


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(mlspec.UsageError):
        mlspec.validate(EXAMPLE, profile="lenient")


def test_every_missing_required_field_is_reported():
    doc = document()
    experiment = doc["experiment_management"]["experiments"][0]
    del experiment["created_by"], experiment["created_at"]

    report = mlspec.validate(doc)

    messages = sorted(finding.message for finding in report.findings)
    assert rules(report) == ["schema-required", "schema-required"]
    assert "'created_at' is required but missing" in messages
    assert "'created_by' is required but missing" in messages


def test_year_zero_is_reported_once():
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_date"] = (
        "0000-01-01T00:00:00Z"
    )

    assert rules(mlspec.validate(doc)) == ["timestamp-invalid"]


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-01:00",
        "2024-01-01T00:00:00+16:00",
        "2024-01-01T00:00:00-23:59",
    ],
)
def test_timestamps_beyond_storable_range_are_errors(value):
    doc = document()
    doc["model_serving"]["model_deployments"][0]["deployment_date"] = value

    report = mlspec.validate(doc)

    assert rules(report) == ["timestamp-invalid"]
    assert "year 0000" not in report.findings[0].message


def test_circular_ref_in_spec_is_an_error(tmp_path):
    import json
    import shutil

    copy = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", copy)
    defs = json.loads((copy / "defs.schema.json").read_text())
    defs["$defs"]["id"] = {"$ref": "#/$defs/id"}
    (copy / "defs.schema.json").write_text(json.dumps(defs))

    with pytest.raises(mlspec.SpecError, match="circular"):
        mlspec.load_spec(copy)


def test_missing_entity_file_is_a_spec_error(tmp_path):
    import shutil

    copy = tmp_path / "spec"
    shutil.copytree(ROOT / "spec", copy)
    (copy / "experiment_management" / "run.schema.json").unlink()

    with pytest.raises(mlspec.SpecError, match="cannot resolve"):
        mlspec.load_spec(copy)
