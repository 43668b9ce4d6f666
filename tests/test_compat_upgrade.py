"""``mlspec upgrade``: steps, chains, conflicts and the command, with a synthetic 0.9."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mlspec import read_document, validate
from mlspec.cli import main
from mlspec.compat import upgrade
from mlspec.compat.upgrade import (
    AddDefault,
    RenameField,
    RenameList,
    UpgradeError,
    UpgradeStep,
    upgrade_document,
)

CHURN = Path(__file__).resolve().parents[1] / "examples" / "churn.yaml"
RUNS = "experiment_management/runs"

# A made-up spec 0.9 whose runs called run_status run_state, whose model
# versions had no version_stage, and whose deployments list was "deployments".
STEP_09 = UpgradeStep(
    "0.9",
    "1.0",
    (
        RenameField(RUNS, "run_state", "run_status"),
        AddDefault("model_registry/model_versions", "version_stage", "None"),
        RenameList("model_serving/deployments", "model_serving/model_deployments"),
    ),
)


def as_09(document: dict) -> dict:
    """Turn a valid 1.0 document into what spec 0.9 would have held."""
    document["spec_version"] = "0.9"
    for run in document["experiment_management"]["runs"]:
        if "run_status" in run:
            run["run_state"] = run.pop("run_status")
    for version in document["model_registry"]["model_versions"]:
        version.pop("version_stage", None)
    serving = document["model_serving"]
    serving["deployments"] = serving.pop("model_deployments")
    return document


@pytest.fixture
def old_document() -> dict:
    return as_09(read_document(CHURN))


def test_step_makes_document_valid(old_document):
    assert not validate(old_document).valid

    result = upgrade_document(old_document, "1.0", [STEP_09])

    assert result.document["spec_version"] == "1.0"
    assert result.versions == ["0.9", "1.0"]
    assert validate(result.document).valid


def test_renamed_field_keeps_value(old_document):
    first_state = old_document["experiment_management"]["runs"][0]["run_state"]

    result = upgrade_document(old_document, "1.0", [STEP_09])
    run = result.document["experiment_management"]["runs"][0]

    assert run["run_status"] == first_state
    assert "run_state" not in run


def test_edits_name_each_entity(old_document):
    result = upgrade_document(old_document, "1.0", [STEP_09])

    assert "/experiment_management/runs/0: renamed run_state to run_status" in (
        result.edits
    )
    assert (
        "/model_serving/deployments: renamed list to /model_serving/model_deployments"
        in (result.edits)
    )


def test_default_fills_only_missing(old_document):
    versions = old_document["model_registry"]["model_versions"]
    versions[0]["version_stage"] = "Staging"

    result = upgrade_document(old_document, "1.0", [STEP_09])
    upgraded = result.document["model_registry"]["model_versions"]

    assert upgraded[0]["version_stage"] == "Staging"
    assert all(version["version_stage"] for version in upgraded)
    assert "/model_registry/model_versions/0: set version_stage" not in " ".join(
        result.edits
    )


def test_input_is_not_modified(old_document):
    before = json.dumps(old_document, sort_keys=True)

    upgrade_document(old_document, "1.0", [STEP_09])

    assert json.dumps(old_document, sort_keys=True) == before


def test_chain_of_two_steps():
    step_08 = UpgradeStep("0.8", "0.9", (RenameField(RUNS, "name", "run_state"),))
    document = {
        "spec_version": "0.8",
        "experiment_management": {"runs": [{"run_id": "r", "name": "Finished"}]},
    }

    result = upgrade_document(document, "1.0", [STEP_09, step_08])

    assert result.versions == ["0.8", "0.9", "1.0"]
    assert result.document["experiment_management"]["runs"][0] == {
        "run_id": "r",
        "run_status": "Finished",
    }


def test_nested_rename():
    step = UpgradeStep(
        "0.9",
        "1.0",
        (
            RenameField(
                "model_serving/model_deployments",
                "deployment_config.replicas",
                "deployment_config.instance_count",
            ),
        ),
    )
    document = {
        "spec_version": "0.9",
        "model_serving": {
            "model_deployments": [{"deployment_config": {"replicas": 3}}, {}]
        },
    }

    result = upgrade_document(document, "1.0", [step])
    deployments = result.document["model_serving"]["model_deployments"]

    assert deployments[0] == {"deployment_config": {"instance_count": 3}}
    assert deployments[1] == {}


def test_rename_conflict_is_rejected(old_document):
    old_document["experiment_management"]["runs"][0]["run_status"] = "Running"

    with pytest.raises(UpgradeError, match="runs/0: cannot rename run_state"):
        upgrade_document(old_document, "1.0", [STEP_09])


def test_current_document_is_unchanged():
    document = read_document(CHURN)

    result = upgrade_document(document, "1.0", [STEP_09])

    assert result.document == document
    assert not result.changed
    assert result.edits == []


def test_older_minor_needs_no_step():
    result = upgrade_document({"spec_version": "1.0"}, "1.3", [])

    assert result.document == {"spec_version": "1.3"}
    assert result.versions == ["1.0", "1.3"]


def test_no_step_for_older_major():
    with pytest.raises(UpgradeError, match="no upgrade step from spec 0.9"):
        upgrade_document({"spec_version": "0.9"}, "1.0", [])


def test_newer_document_is_rejected():
    with pytest.raises(UpgradeError, match="newer than spec 1.0"):
        upgrade_document({"spec_version": "1.1"}, "1.0", [STEP_09])


@pytest.mark.parametrize("version", [None, "one", "1", 1.0, "1.0.0"])
def test_bad_declared_version(version):
    document = {} if version is None else {"spec_version": version}

    with pytest.raises(UpgradeError, match="/spec_version"):
        upgrade_document(document, "1.0", [STEP_09])


def run_upgrade(*args):
    return CliRunner().invoke(main, ["upgrade", *map(str, args)])


@pytest.fixture
def registered_step(monkeypatch):
    monkeypatch.setattr(upgrade, "STEPS", [STEP_09])


def test_command_writes_yaml(tmp_path, old_document, registered_step):
    source = tmp_path / "old.yaml"
    source.write_text(yaml.safe_dump(old_document), encoding="utf-8")
    target = tmp_path / "new.yaml"

    result = run_upgrade(source, "-o", target)

    assert result.exit_code == 0, result.stderr
    assert f"{source}: spec 0.9 -> 1.0: valid" in result.stderr
    assert read_document(target)["spec_version"] == "1.0"
    assert validate(target).valid


def test_command_stdout_keeps_json(tmp_path, old_document, registered_step):
    source = tmp_path / "old.json"
    source.write_text(json.dumps(old_document), encoding="utf-8")

    result = run_upgrade(source)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["spec_version"] == "1.0"


def test_command_exit_one_when_still_invalid(tmp_path, registered_step):
    source = tmp_path / "old.json"
    document = {
        "spec_version": "0.9",
        "experiment_management": {"runs": [{"run_id": "r", "run_state": "Done"}]},
    }
    source.write_text(json.dumps(document), encoding="utf-8")

    result = run_upgrade(source)

    assert result.exit_code == 1
    assert "errors remain" in result.stderr
    assert "[schema-required]" in result.stderr


def test_command_without_steps(tmp_path, old_document):
    source = tmp_path / "old.json"
    source.write_text(json.dumps(old_document), encoding="utf-8")

    result = run_upgrade(source)

    assert result.exit_code == 1
    assert "no upgrade step from spec 0.9 towards 1.0" in result.stderr


@pytest.mark.parametrize(
    "document",
    [
        {"spec_version": "0.9", "experiment_management": 5},
        {"spec_version": "0.9", "experiment_management": {"runs": "x"}},
        {"spec_version": "0.9", "experiment_management": {"runs": [1, None]}},
        {"spec_version": "0.9", "model_serving": None},
    ],
)
def test_malformed_sections_are_left_alone(document):
    result = upgrade_document(document, "1.0", [STEP_09])

    assert result.document == {**document, "spec_version": "1.0"}
    assert result.edits == []


def test_list_into_non_object_section():
    document = {
        "spec_version": "0.9",
        "model_serving": {"deployments": []},
    }
    step = UpgradeStep(
        "0.9", "1.0", (RenameList("model_serving/deployments", "other/deployments"),)
    )
    document["other"] = 3

    with pytest.raises(UpgradeError, match="/other: cannot move list"):
        upgrade_document(document, "1.0", [step])


def test_upgrade_into_missing_folder_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from mlspec.cli import main

    example = Path(__file__).resolve().parents[1] / "examples" / "churn.yaml"
    target = tmp_path / "missing" / "out.yaml"

    result = CliRunner().invoke(main, ["upgrade", str(example), "-o", str(target)])

    assert result.exit_code == 2
    assert "cannot write" in result.output
