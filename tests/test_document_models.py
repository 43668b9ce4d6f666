"""Typed copies of documents and entities as the generated pydantic models."""

from __future__ import annotations

import math

from mlspec import models
from mlspec.document import Document


def recorded() -> tuple[Document, object, object]:
    doc = Document(user="tester")
    with doc.start_run(doc.create_experiment("churn"), "rf") as run:
        run.log_params({"n_estimators": 100, "use_gpu": False})
        run.log_metric("loss", math.nan)
        run.log_metric("loss", 0.3, step=1)
    version = doc.register_model("M", run, uri="runs:/x/model", format="Scikit_Learn")
    doc.set_alias(version, "champion")
    return doc, run, version


def test_run_to_model_typed():
    _, run, _ = recorded()

    model = run.to_model()

    assert isinstance(model, models.Run)
    assert model.run_status == models.RunStatus.Finished
    assert model.run_id == run.run_id
    assert model.parameters == {"n_estimators": 100, "use_gpu": False}


def test_version_to_model_typed():
    _, _, version = recorded()

    model = version.to_model()

    assert isinstance(model, models.ModelVersion)
    assert model.version_number == 1
    assert model.aliases == ["champion"]


def test_document_to_model_round_trips():
    doc, _, _ = recorded()

    dumped = doc.to_model().model_dump(by_alias=True, exclude_unset=True, mode="json")

    assert dumped == doc.data


def test_model_copy_leaves_document():
    doc, run, _ = recorded()
    model = run.to_model()

    model.parameters["n_estimators"] = 7

    assert run.data["parameters"]["n_estimators"] == 100
