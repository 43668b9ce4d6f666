"""The examples in docs/api.md run and produce valid documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mlspec

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_churn_example_runs_and_validates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    exec(python_blocks()[0], {})

    report = mlspec.validate(tmp_path / "churn.yaml")
    assert report.findings == []
    saved = mlspec.open(tmp_path / "churn.yaml")
    assert saved.model_version("CustomerChurnModel", 1).stage == "Staging"


def test_numpy_scalars_accepted():
    numpy = pytest.importorskip("numpy")
    doc = mlspec.Document(user="tester")
    run = doc.start_run(doc.create_experiment("e"), "r")

    run.log_param("depth", numpy.int64(10))
    run.log_metric("accuracy", numpy.float32(0.5), step=numpy.int64(3))

    assert run.data["parameters"] == {"depth": 10}
    assert type(run.data["parameters"]["depth"]) is int
    assert run.data["metrics"][0]["value"] == 0.5
    assert run.data["metrics"][0]["step"] == 3
