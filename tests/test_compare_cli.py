"""``mlspec compare`` run in-process on real document files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

import mlspec
from mlspec.cli import main


@pytest.fixture
def two_runs(tmp_path):
    """A YAML document with two finished runs; returns its path and the run ids."""
    doc = mlspec.open(tmp_path / "runs.yaml", user="tester")
    experiment = doc.create_experiment("churn")
    with doc.start_run(experiment, "RandomForest_v1") as forest:
        forest.log_params({"n_estimators": 100, "learning_rate": 0.01})
        forest.log_metrics({"accuracy": 0.85, "loss": 0.41})
    with doc.start_run(experiment, "Boosting_v1") as boosting:
        boosting.log_params({"n_estimators": 300})
        boosting.log_metrics({"accuracy": 0.83, "loss": 0.37, "recall": float("nan")})
    doc.save()
    return doc.path, forest.run_id, boosting.run_id


def invoke(*args: str):
    return CliRunner().invoke(main, ["compare", *args], env={"COLUMNS": "160"})


def test_compare_table_marks_best(two_runs):
    path, forest, boosting = two_runs

    result = invoke(str(path), forest, boosting)

    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.stdout.splitlines()
        if "│" in line
    }
    assert "0.85 *" in rows["accuracy (max)"]
    assert "0.83 *" not in rows["accuracy (max)"]
    assert "0.37 *" in rows["loss (min)"]
    assert "NaN" in rows["recall (max)"]
    assert "*" not in rows["recall (max)"]
    assert "300" in rows["param n_estimators"]
    assert forest in result.stdout
    assert "Boosting_v1" in result.stdout


def test_compare_json(two_runs):
    path, forest, boosting = two_runs

    result = invoke(str(path), forest, boosting, "--format", "json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    metrics = {item["key"]: item for item in data["metrics"]}
    assert metrics["accuracy"]["best_run_ids"] == [forest]
    assert metrics["loss"]["best_run_ids"] == [boosting]
    assert metrics["recall"]["values"] == {forest: None, boosting: "NaN"}
    assert metrics["recall"]["best_run_ids"] == []
    assert [run["status"] for run in data["runs"]] == ["Finished", "Finished"]
    assert data["runs"][0]["parameters"] == {"n_estimators": 100, "learning_rate": 0.01}


def test_compare_csv(two_runs):
    path, forest, boosting = two_runs

    result = invoke(str(path), forest, boosting, "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        ["kind", "name", forest, boosting, "direction", "best_run_ids"],
        ["run_name", "", "RandomForest_v1", "Boosting_v1", "", ""],
        ["status", "", "Finished", "Finished", "", ""],
        ["parameter", "learning_rate", "0.01", "", "", ""],
        ["parameter", "n_estimators", "100", "300", "", ""],
        ["metric", "accuracy", "0.85", "0.83", "max", forest],
        ["metric", "loss", "0.41", "0.37", "min", boosting],
        ["metric", "recall", "", "NaN", "max", ""],
    ]


def test_compare_direction_flags(two_runs):
    path, forest, boosting = two_runs

    result = invoke(
        str(path), forest, boosting, "--format", "json", "--higher-is-better", "loss"
    )

    assert result.exit_code == 0, result.output
    metrics = {item["key"]: item for item in json.loads(result.stdout)["metrics"]}
    assert metrics["loss"]["best_run_ids"] == [forest]


def test_compare_conflicting_flags(two_runs):
    path, forest, _ = two_runs

    result = invoke(
        str(path), forest, "--higher-is-better", "loss", "--lower-is-better", "loss"
    )

    assert result.exit_code == 2
    assert "loss is both higher and lower is better" in result.stderr


def test_compare_unknown_run(two_runs):
    path, forest, _ = two_runs

    result = invoke(str(path), forest, "RUN-missing")

    assert result.exit_code == 2
    assert "run RUN-missing not found" in result.stderr
    assert forest in result.stderr


def test_compare_example_document():
    result = invoke("examples/churn.json", "RUN-20240115103500", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert "metric,accuracy,0.85,max,RUN-20240115103500" in result.stdout


def test_compare_missing_file(tmp_path):
    result = invoke(str(tmp_path / "nope.yaml"), "RUN-1")

    assert result.exit_code == 2
    assert "nope.yaml: no such file" in result.stderr


def test_compare_malformed_run_names_pointer(tmp_path):
    path = tmp_path / "bad.json"
    document = {
        "spec_version": "1.0",
        "experiment_management": {
            "runs": [
                {
                    "run_id": "RUN-1",
                    "experiment_id": "EXP-1",
                    "run_name": "r",
                    "start_time": "2024-01-15T10:00:00Z",
                    "metrics": [{"key": "acc"}],
                }
            ]
        },
    }
    path.write_text(json.dumps(document))

    result = invoke(str(path), "RUN-1")

    assert result.exit_code != 0
    assert str(path) in result.stderr
    assert f"{path}:1:" in result.stderr
    assert (
        "/experiment_management/runs/0/metrics/0: 'value' is required" in result.stderr
    )
    assert "Traceback" not in result.output


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))


def run_record(run_id, **fields):
    return {
        "kind": "run",
        "run_id": run_id,
        "experiment_id": "EXP-1",
        "run_name": run_id.lower(),
        "start_time": "2024-01-15T10:00:00Z",
        **fields,
    }


def test_compare_json_lines(tmp_path):
    path = tmp_path / "runs.jsonl"
    write_jsonl(
        path,
        [
            {"spec_version": "1.0"},
            {"kind": "experiment", "experiment_id": "EXP-1", "experiment_name": "e"},
            run_record("RUN-1", metrics={"rmse": 0.4}),
            run_record("RUN-2", metrics={"rmse": 0.3}),
            run_record("RUN-3"),
        ],
    )

    result = invoke(str(path), "RUN-1", "RUN-2", "--format", "csv")

    assert result.exit_code == 0, result.output
    assert "metric,rmse,0.4,0.3,min,RUN-2" in result.stdout.splitlines()


def test_compare_json_lines_unknown_run(tmp_path):
    path = tmp_path / "runs.jsonl"
    write_jsonl(path, [run_record("RUN-1"), run_record("RUN-3")])

    result = invoke(str(path), "RUN-2")

    assert result.exit_code == 2
    assert "run RUN-2 not found; the document's runs: RUN-1, RUN-3" in result.stderr


def test_compare_json_lines_bad_run_line(tmp_path):
    path = tmp_path / "runs.jsonl"
    write_jsonl(path, [run_record("RUN-1"), run_record("RUN-2", run_status="Done")])

    result = invoke(str(path), "RUN-1", "RUN-2")

    assert result.exit_code == 1
    assert f"{path}:2:" in result.stderr
    assert "/run_status" in result.stderr
    assert "'Done'" in result.stderr
