"""The model registry through the Document API: versions, stages and aliases."""

from __future__ import annotations

import copy

import pytest

import mlspec
from mlspec.document import Document
from mlspec.errors import UsageError


@pytest.fixture
def doc() -> Document:
    return Document(user="tester")


@pytest.fixture
def run(doc):
    experiment = doc.create_experiment("churn")
    with doc.start_run(experiment, "rf") as run:
        run.log_metric("accuracy", 0.85)
    return run


def register(doc, run, name="CustomerChurnModel"):
    return doc.register_model(
        name, run, uri=f"runs:/{run.run_id}/model", format="MLflow"
    )


def stages(doc, name="CustomerChurnModel"):
    model = doc.registered_model(name)
    return {version.number: version.stage for version in model.versions}


def assert_valid(doc: Document) -> None:
    report = mlspec.validate(copy.deepcopy(doc.data))
    assert report.errors == []


def test_register_twice_numbers_versions(doc, run):
    first = register(doc, run)
    second = register(doc, run)

    assert first.number == 1
    assert second.number == 2
    assert first.model == second.model
    assert len(doc.data["model_registry"]["registered_models"]) == 1
    assert second.stage == "None"
    assert_valid(doc)


def test_numbers_are_per_model(doc, run):
    register(doc, run, "A")
    register(doc, run, "A")

    other = register(doc, run, "B")

    assert other.number == 1


def test_numbers_continue_after_highest(doc, run):
    example = mlspec.read_document("examples/churn.yaml")
    loaded = Document(example, user="tester")
    churn_run = loaded.run("RUN-20240115103500")

    version = register(loaded, churn_run)

    assert version.number == 2
    assert version.model.model_id == "MODEL-20240115110000"


def test_register_from_training_run(doc):
    example = mlspec.read_document("examples/churn.yaml")
    loaded = Document(example, user="tester")

    version = loaded.register_model(
        "FromTraining", "TRN-20240115103500", uri="s3://m", format="ONNX"
    )

    assert version.data["run_id"] == "TRN-20240115103500"
    assert_valid(loaded)


def test_register_unknown_run_rejected(doc, run):
    with pytest.raises(UsageError, match="Run 'RUN-missing' not found"):
        doc.register_model("M", "RUN-missing", uri="x", format="MLflow")

    assert "model_registry" not in doc.data


def test_register_bad_format_creates_nothing(doc, run):
    with pytest.raises(UsageError, match="'Pickle' is not one of"):
        doc.register_model("M", run, uri="x", format="Pickle")

    assert "model_registry" not in doc.data


def test_registered_model_name_unique(doc):
    doc.create_registered_model("M")

    with pytest.raises(UsageError, match="'M' already exists"):
        doc.create_registered_model("M")


def test_transition_stage(doc, run):
    version = register(doc, run)

    doc.transition(version, "staging")

    assert version.stage == "Staging"


def test_transition_unknown_stage_rejected(doc, run):
    version = register(doc, run)

    with pytest.raises(UsageError, match="stage 'Live' is invalid"):
        doc.transition(version, "Live")


def test_transition_archives_same_stage(doc, run):
    first, second, third = (register(doc, run) for _ in range(3))
    doc.transition(first, "Staging")
    doc.transition(second, "Production")

    doc.transition(third, "Staging", archive_existing=True)

    assert stages(doc) == {1: "Archived", 2: "Production", 3: "Staging"}


def test_transition_without_archive_keeps_others(doc, run):
    first, second = register(doc, run), register(doc, run)
    doc.transition(first, "Staging")

    doc.transition(second, "Staging")

    assert stages(doc) == {1: "Staging", 2: "Staging"}


def test_archive_leaves_other_models(doc, run):
    other = register(doc, run, "Other")
    doc.transition(other, "Staging")

    doc.transition(register(doc, run), "Staging", archive_existing=True)

    assert other.stage == "Staging"


@pytest.mark.parametrize("stage", ["None", "Archived"])
def test_archive_existing_needs_active_stage(doc, run, stage):
    version = register(doc, run)

    with pytest.raises(UsageError, match="Staging or Production"):
        doc.transition(version, stage, archive_existing=True)


def test_production_without_deployment_fails_save(doc, run, tmp_path):
    version = register(doc, run)
    doc.transition(version, "Production")

    with pytest.raises(mlspec.InvalidDocumentError, match="production-no-active"):
        doc.save(tmp_path / "doc.yaml")


def test_alias_moves_between_versions(doc, run):
    first, second = register(doc, run), register(doc, run)
    doc.set_alias(first, "champion")
    doc.set_alias(first, "baseline")

    doc.set_alias(second, "champion")

    assert first.aliases == ["baseline"]
    assert second.aliases == ["champion"]
    assert_valid(doc)


def test_alias_removal_drops_empty_list(doc, run):
    first, second = register(doc, run), register(doc, run)
    doc.set_alias(first, "champion")

    doc.set_alias(second, "champion")

    assert "aliases" not in first.data


def test_alias_set_twice_is_noop(doc, run):
    version = register(doc, run)

    doc.set_alias(version, "champion")
    doc.set_alias(version, "champion")

    assert version.aliases == ["champion"]


def test_alias_same_name_other_model_independent(doc, run):
    a, b = register(doc, run, "A"), register(doc, run, "B")

    doc.set_alias(a, "champion")
    doc.set_alias(b, "champion")

    assert a.aliases == ["champion"]
    assert b.aliases == ["champion"]


@pytest.mark.parametrize(
    ("alias", "message"),
    [
        ("latest", "reserved"),
        ("v3", "reserved"),
        ("my alias", "does not match"),
        ("", "should be non-empty"),
    ],
)
def test_alias_invalid_rejected(doc, run, alias, message):
    version = register(doc, run)

    with pytest.raises(UsageError, match=message):
        doc.set_alias(version, alias)

    assert "aliases" not in version.data


def test_model_version_lookup(doc, run):
    register(doc, run)
    second = register(doc, run)

    assert doc.model_version("CustomerChurnModel", 2) == second
    with pytest.raises(UsageError, match="has no version 3"):
        doc.model_version("CustomerChurnModel", 3)
