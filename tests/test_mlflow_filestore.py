"""Import hand-written legacy ``mlruns/`` folders with the quirks of real stores.

The folders follow MLflow 1.x's FileStore layout: one folder per
experiment with ``meta.yaml``, one per run with ``meta.yaml`` and
``metrics/``, ``params/`` and ``tags/`` files. Run status 3 is FINISHED and
4 is FAILED in MLflow's numbering.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("mlflow")

import mlspec  # noqa: E402
from mlspec.cli import main  # noqa: E402
from mlspec.mlflow import import_store  # noqa: E402

pytestmark = pytest.mark.mlflow

PARENT = "a" * 32
CHILD = "b" * 32
SECONDS = "c" * 32


def write_run(
    experiment: Path,
    run_id: str,
    *,
    start: int,
    end: int | None,
    status: int = 3,
    name: str = "",
    metrics: dict[str, list[str]] | None = None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Write one run folder, leaving out folders without files as git does."""
    folder = experiment / run_id
    folder.mkdir(parents=True)
    end_text = "null" if end is None else str(end)
    (folder / "meta.yaml").write_text(
        "artifact_uri: file:///root/project/mlruns/"
        f"{experiment.name}/{run_id}/artifacts\n"
        f"end_time: {end_text}\n"
        "entry_point_name: ''\n"
        f"experiment_id: '{experiment.name}'\n"
        "lifecycle_stage: active\n"
        f"name: '{name}'\n"
        f"run_id: {run_id}\n"
        f"run_uuid: {run_id}\n"
        "source_name: ''\n"
        "source_type: 4\n"
        "source_version: ''\n"
        f"start_time: {start}\n"
        f"status: {status}\n"
        "tags: []\n"
        "user_id: user-a\n"
    )
    for kind, entries in (("metrics", metrics), ("params", params), ("tags", tags)):
        for key, value in (entries or {}).items():
            path = folder / kind / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(value) + "\n" if kind == "metrics" else value)


@pytest.fixture
def legacy_store(tmp_path: Path) -> Path:
    """An MLflow 1.x store: no creation time, unnamed runs, nesting, odd times."""
    root = tmp_path / "project" / "mlruns"
    experiment = root / "1"
    experiment.mkdir(parents=True)
    (experiment / "meta.yaml").write_text(
        "artifact_location: ./mlruns/1\nexperiment_id: '1'\n"
        "lifecycle_stage: active\nname: legacy\n"
    )
    write_run(
        experiment,
        PARENT,
        start=1_600_000_000_000,
        end=1_600_000_100_000,
        metrics={
            "loss": [
                "1600000050000 0.5 0",
                "1600000050000 0.5 0",
                "1600000060000 0.25 1",
            ]
        },
        params={"alpha": "0.1"},
        tags={"best params": "{'alpha': 0.1}", "mlflow.note.content": "the search"},
    )
    write_run(
        experiment,
        CHILD,
        start=1_600_000_010_000,
        end=None,
        status=1,
        metrics={"loss": ["1600000020000 1.7976931348623157e+308 0"]},
        tags={"mlflow.parentRunId": PARENT, "mlflow.runName": "child"},
    )
    write_run(
        experiment,
        SECONDS,
        start=1_600_000_000,
        end=1_600_000_100,
        status=4,
        metrics={"loss": ["1600000050 0.9 0"]},
    )
    return root


def digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        sha.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            sha.update(path.read_bytes())
    return sha.hexdigest()


def runs_by_id(document: dict) -> dict[str, dict]:
    return {run["run_id"]: run for run in document["experiment_management"]["runs"]}


def reasons_at(report, pointer: str) -> list[str]:
    return [entry.reason for entry in report.entries if entry.pointer == pointer]


def test_legacy_store_unchanged(legacy_store: Path) -> None:
    before = digest(legacy_store)

    import_store(str(legacy_store.parent))

    assert digest(legacy_store) == before
    assert not (legacy_store / ".trash").exists()


def test_legacy_store_validates(legacy_store: Path) -> None:
    document, _ = import_store(str(legacy_store))

    assert mlspec.validate(document).errors == []


def test_legacy_store_quirks(legacy_store: Path) -> None:
    document, report = import_store(str(legacy_store))

    runs = runs_by_id(document)
    index = {run_id: position for position, run_id in enumerate(runs)}
    parent, child = runs[PARENT], runs[CHILD]
    parent_pointer = f"/experiment_management/runs/{index[PARENT]}"
    seconds_pointer = f"/experiment_management/runs/{index[SECONDS]}"

    assert parent["run_name"] == f"run-{PARENT[:8]}"
    assert reasons_at(report, f"{parent_pointer}/run_name")
    assert [point["value"] for point in parent["metrics"]] == [0.5, 0.25]
    assert (
        "1 duplicated point(s)"
        in reasons_at(report, f"{parent_pointer}/metrics/loss")[0]
    )
    assert parent["tags"] == {
        "best params": "{'alpha': 0.1}",
        "mlflow.note.content": "the search",
    }
    assert child["parent_run_id"] == PARENT
    assert child["run_status"] == "Running"
    assert "end_time" not in child
    assert child["metrics"][0]["value"] == 1.7976931348623157e308
    child_pointer = f"/experiment_management/runs/{index[CHILD]}"
    assert reasons_at(report, parent_pointer) == [
        "run folder lacked artifacts; created empty in the scratch copy"
    ]
    assert reasons_at(report, child_pointer) == [
        "run folder lacked artifacts, params; created empty in the scratch copy"
    ]
    assert reasons_at(report, f"{seconds_pointer}/start_time")
    assert reasons_at(report, f"{seconds_pointer}/end_time")
    assert reasons_at(report, f"{seconds_pointer}/metrics/loss")


def test_legacy_experiment_created_at(legacy_store: Path) -> None:
    document, report = import_store(str(legacy_store))

    experiments = document["experiment_management"]["experiments"]
    legacy = next(item for item in experiments if item["experiment_name"] == "legacy")
    assert legacy["created_at"] == "1970-01-19T12:26:40Z"
    assert legacy["created_by"] == "user-a"
    pointer = (
        f"/experiment_management/experiments/{experiments.index(legacy)}/created_at"
    )
    assert "earliest run" in reasons_at(report, pointer)[0]


def test_corrupt_metric_file_exits_2(legacy_store: Path) -> None:
    from click.testing import CliRunner

    (legacy_store / "1" / PARENT / "metrics" / "loss").write_text("garbage\n")
    before = digest(legacy_store)

    result = CliRunner().invoke(
        main,
        ["mlflow", "import", "--tracking-uri", str(legacy_store), "-o", "out.yaml"],
    )

    assert result.exit_code == 2
    assert f"could not read {legacy_store}" in result.output
    assert "Traceback" not in result.output
    assert digest(legacy_store) == before


def test_export_failure_exits_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    document = Path(__file__).resolve().parents[1] / "examples" / "churn.yaml"
    store = tmp_path / "mlruns"

    result = CliRunner().invoke(
        main, ["mlflow", "export", str(document), "--tracking-uri", str(store)]
    )

    assert result.exit_code == 1
    assert f"MLflow failed while exporting to {store}: MlflowException" in result.output
    assert "export again after fixing the cause" in result.output


def test_legacy_artifacts_listed(legacy_store: Path) -> None:
    artifacts = legacy_store / "1" / PARENT / "artifacts"
    (artifacts / "model").mkdir(parents=True)
    (artifacts / "model" / "MLmodel").write_text("flavors:\n  keras: {}\n")
    (artifacts / "notes.txt").write_text("12345")

    document, _ = import_store(str(legacy_store))

    listed = runs_by_id(document)[PARENT]["artifacts"]
    assert listed == [
        {
            "artifact_id": f"{PARENT}/model",
            "artifact_path": "model",
            "artifact_type": "Model",
        },
        {
            "artifact_id": f"{PARENT}/notes.txt",
            "artifact_path": "notes.txt",
            "artifact_type": "Other",
            "artifact_size": 5,
        },
    ]
