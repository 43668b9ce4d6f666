"""Experiments and runs through the Document API: lifecycle, parameters, metrics, tags."""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime, timedelta

import pytest

import mlspec
from mlspec.document import Document, InvalidDocumentError, ParameterConflictError
from mlspec.errors import UsageError

START = datetime(2024, 1, 15, 10, 35, tzinfo=UTC)


class Clock:
    """A settable clock, so tests control every timestamp the document writes."""

    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def doc(clock) -> Document:
    return Document(clock=clock, user="tester")


@pytest.fixture
def experiment(doc):
    return doc.create_experiment("churn")


def assert_valid(doc: Document) -> None:
    report = mlspec.validate(copy.deepcopy(doc.data))
    assert report.errors == []


# Lifecycle.


def test_run_block_raising_ends_failed(doc, experiment, clock):
    with pytest.raises(RuntimeError, match="training diverged"):
        with doc.start_run(experiment, "broken") as run:
            run.log_metric("accuracy", 0.5)
            clock.advance(2.5)
            raise RuntimeError("training diverged")

    assert run.status == "Failed"
    assert run.data["end_time"] == "2024-01-15T10:35:02.500Z"
    assert run.data["duration"] == 2.5
    assert_valid(doc)


def test_run_block_ends_finished(doc, experiment):
    with doc.start_run(experiment, "ok") as run:
        assert run.status == "Running"
        run.log_metric("accuracy", 0.5)

    assert run.status == "Finished"
    assert run.data["duration"] == 0


def test_run_ended_inside_block_keeps_status(doc, experiment):
    with doc.start_run(experiment, "stopped") as run:
        run.end("Killed")

    assert run.status == "Killed"


def test_end_run_twice_rejected(doc, experiment):
    run = doc.start_run(experiment, "once")
    doc.end_run(run, "Killed")

    with pytest.raises(UsageError, match="already ended with status 'Killed'"):
        doc.end_run(run)


def test_end_run_rejects_running_status(doc, experiment):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match="'Running' is invalid"):
        doc.end_run(run, "Running")


def test_end_before_start_uses_start(doc, experiment, clock, caplog):
    run = doc.start_run(experiment, "r")
    run.log_metric("m", 1)
    clock.advance(-10)

    run.end()

    assert run.data["end_time"] == run.data["start_time"]
    assert run.data["duration"] == 0
    assert "before start time" in caplog.text


def test_finished_run_without_metric_fails_save(doc, experiment, tmp_path, caplog):
    with doc.start_run(experiment, "empty"):
        pass

    assert "run-finished-no-metric" in caplog.text
    with pytest.raises(InvalidDocumentError, match=r"\[run-finished-no-metric\]"):
        doc.save(tmp_path / "doc.json")
    assert not (tmp_path / "doc.json").exists()


def test_finished_run_without_metric_saves_as_warning(clock, tmp_path):
    severities = {"run-finished-no-metric": "warning"}
    doc = Document(clock=clock, user="tester", severities=severities)
    experiment = doc.create_experiment("churn")
    with doc.start_run(experiment, "empty"):
        pass

    saved = doc.save(tmp_path / "doc.json")

    assert saved.exists()


def test_nested_run_links_parent(doc, experiment):
    with doc.start_run(experiment, "parent") as parent:
        with doc.start_run(experiment, "child", parent=parent) as child:
            child.log_metric("loss", 0.1)
        parent.log_metric("loss", 0.1)

    assert child.data["parent_run_id"] == parent.run_id
    assert_valid(doc)


def test_start_run_unknown_experiment(doc):
    with pytest.raises(UsageError, match="Experiment 'EXP-missing' not found"):
        doc.start_run("EXP-missing", "r")


def test_run_from_other_document_rejected(doc, experiment, clock):
    other = Document(clock=clock, user="tester")
    foreign = other.start_run(other.create_experiment("x"), "r")

    with pytest.raises(UsageError, match="belongs to another Document"):
        doc.log_param(foreign, "a", 1)


# Experiments and ids.


def test_experiment_name_unique(doc, experiment):
    with pytest.raises(UsageError, match="'churn' already exists"):
        doc.create_experiment("churn")


def test_experiment_rejects_empty_name(doc):
    with pytest.raises(UsageError, match="experiment ''"):
        doc.create_experiment("")

    assert "experiment_management" not in doc.data


def test_generated_ids_unique_within_second(doc, experiment):
    runs = [doc.start_run(experiment, f"r{index}") for index in range(500)]

    run_ids = {run.run_id for run in runs}
    assert len(run_ids) == 500
    for run_id in run_ids:
        assert re.fullmatch(r"RUN-\d{14}-[0-9a-f]{8}", run_id)


def test_generated_id_uses_document_clock(doc, experiment):
    run = doc.start_run(experiment, "r")

    assert run.run_id.startswith("RUN-20240115103500-")
    assert experiment.id.startswith("EXP-20240115103500-")


def test_naive_clock_rejected():
    doc = Document(clock=lambda: datetime(2024, 1, 15), user="tester")

    with pytest.raises(UsageError, match="not a timezone-aware datetime"):
        doc.create_experiment("churn")


def test_given_data_changed_in_place(clock):
    data = {"spec_version": "1.0"}
    doc = Document(data, clock=clock, user="tester")

    doc.create_experiment("churn")

    assert data["experiment_management"]["experiments"][0]["experiment_name"] == "churn"


def test_given_id_kept_and_duplicate_rejected(doc, experiment):
    run = doc.start_run(experiment, "a", run_id="RUN-20240115103500")

    assert run.run_id == "RUN-20240115103500"
    with pytest.raises(UsageError, match="already in use"):
        doc.start_run(experiment, "b", run_id="RUN-20240115103500")


def test_naive_datetime_rejected(doc, experiment):
    with pytest.raises(UsageError, match="no time zone"):
        doc.start_run(experiment, "r", start_time=datetime(2024, 1, 15))


def test_timestamp_without_offset_rejected(doc, experiment):
    with pytest.raises(UsageError, match="no UTC offset"):
        doc.start_run(experiment, "r", start_time="2024-01-15T10:35:00")


# Parameters.


def test_param_same_value_is_noop(doc, experiment):
    run = doc.start_run(experiment, "r")
    run.log_param("learning_rate", 0.01)

    run.log_param("learning_rate", 0.01)
    run.log_param("learning_rate", "0.01")

    assert run.data["parameters"] == {"learning_rate": 0.01}


def test_param_conflict_names_run_key_and_values(doc, experiment):
    run = doc.start_run(experiment, "r")
    run.log_param("max_depth", 10)

    with pytest.raises(ParameterConflictError) as raised:
        run.log_param("max_depth", 12)

    message = str(raised.value)
    assert run.run_id in message
    assert "'max_depth'" in message
    assert "is 10" in message
    assert "new value 12" in message
    assert run.data["parameters"] == {"max_depth": 10}


def test_param_conflict_stores_none_of_batch(doc, experiment):
    run = doc.start_run(experiment, "r")
    run.log_param("a", 1)

    with pytest.raises(ParameterConflictError):
        run.log_params({"b": 2, "a": 3})

    assert run.data["parameters"] == {"a": 1}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("", 1, "parameter name ''"),
        ("lr", math.nan, "must be finite"),
        ("lr", None, "use a string, number or boolean"),
        ("lr", [1, 2], "use a string, number or boolean"),
    ],
)
def test_param_invalid_input_rejected(doc, experiment, key, value, message):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match=re.escape(message)):
        run.log_param(key, value)

    assert "parameters" not in run.data


# Metrics.


def test_single_values_stay_a_map(doc, experiment):
    run = doc.start_run(experiment, "r")

    run.log_metric("accuracy", 0.85)
    run.log_metric("recall", 0.88)

    assert run.data["metrics"] == {"accuracy": 0.85, "recall": 0.88}


def test_second_value_turns_history_into_points(doc, experiment, clock):
    run = doc.start_run(experiment, "r")
    run.log_metric("accuracy", 0.80)
    run.log_metric("recall", 0.70)
    clock.advance(1)

    run.log_metric("accuracy", 0.85)

    assert run.data["metrics"] == [
        {
            "key": "accuracy",
            "value": 0.80,
            "step": 0,
            "timestamp": "2024-01-15T10:35:00Z",
        },
        {
            "key": "recall",
            "value": 0.70,
            "step": 0,
            "timestamp": "2024-01-15T10:35:00Z",
        },
        {
            "key": "accuracy",
            "value": 0.85,
            "step": 0,
            "timestamp": "2024-01-15T10:35:01Z",
        },
    ]
    assert_valid(doc)


def test_step_turns_metrics_into_points(doc, experiment):
    run = doc.start_run(experiment, "r")

    run.log_metric("loss", 0.5, step=3)

    assert run.data["metrics"] == [
        {"key": "loss", "value": 0.5, "step": 3, "timestamp": "2024-01-15T10:35:00Z"}
    ]


def test_metric_history_latest_by_step(doc, experiment, clock):
    with doc.start_run(experiment, "r") as run:
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            run.log_metric("loss", loss, step=step)
            clock.advance(1)

    comparison = doc.compare_runs([run])

    assert comparison.runs[0].metrics == {"loss": 0.3}
    assert_valid(doc)


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        ("NaN", "NaN"),
        (-1e-9, -1e-9),
        (7, 7),
    ],
)
def test_metric_values_stored_canonically(doc, experiment, value, stored):
    run = doc.start_run(experiment, "r")

    run.log_metric("m", value)

    assert run.data["metrics"] == {"m": stored}
    assert_valid(doc)


@pytest.mark.parametrize(
    ("value", "step", "message"),
    [
        (True, None, "must be a number"),
        ("0.5", None, "must be a number"),
        (0.5, 1.5, "use an integer"),
        (0.5, 2**63, "64-bit"),
    ],
)
def test_metric_invalid_input_rejected(doc, experiment, value, step, message):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match=message):
        run.log_metric("m", value, step=step)

    assert "metrics" not in run.data


def test_log_metrics_checks_all_before_storing(doc, experiment):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match="'bad'"):
        run.log_metrics({"good": 1.0, "bad": "x"})

    assert "metrics" not in run.data


# Tags and artifacts.


def test_labels_then_key_value_tag(doc, experiment):
    run = doc.start_run(experiment, "r")
    run.set_tag("baseline")
    run.set_tag("baseline")
    assert run.data["tags"] == ["baseline"]

    run.set_tag("owner", "ana")

    assert run.data["tags"] == {"baseline": "", "owner": "ana"}


def test_tag_values_stored_as_text(doc, experiment):
    run = doc.start_run(experiment, "r")

    run.set_tag("epochs", 10)

    assert run.data["tags"] == {"epochs": "10"}


def test_tag_value_with_nul_rejected(doc, experiment):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match="tag 'owner': invalid value"):
        run.set_tag("owner", "a\x00b")

    assert "tags" not in run.data


def test_experiment_tag_updates_time(doc, experiment, clock):
    clock.advance(60)

    doc.set_tag(experiment, "team", "growth")

    assert experiment.data["experiment_tags"] == {"team": "growth"}
    assert experiment.data["updated_at"] == "2024-01-15T10:36:00Z"


def test_artifact_recorded(doc, experiment):
    run = doc.start_run(experiment, "r")

    artifact_id = run.log_artifact("model.pkl", "Model", 10)

    assert run.data["artifacts"] == [
        {
            "artifact_id": artifact_id,
            "artifact_path": "model.pkl",
            "artifact_type": "Model",
            "artifact_size": 10,
        }
    ]


def test_artifact_bad_type_rejected(doc, experiment):
    run = doc.start_run(experiment, "r")

    with pytest.raises(UsageError, match="'Weights' is not one of"):
        run.log_artifact("w.bin", "Weights")

    assert "artifacts" not in run.data


# Loading.


def test_open_missing_file_starts_new(tmp_path):
    doc = mlspec.open(tmp_path / "new.yaml")

    assert doc.data == {"spec_version": "1.0"}
    assert doc.path == tmp_path / "new.yaml"


def test_open_invalid_document_rejected(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"spec_version": "1.0", "experiment_management": {"runs": [{}]}}')

    with pytest.raises(InvalidDocumentError, match="schema-required") as raised:
        mlspec.open(path)

    assert str(path) in str(raised.value)
    assert raised.value.findings


def test_open_example_and_continue(tmp_path):
    example = mlspec.read_document("examples/churn.yaml")
    doc = Document(example, user="tester")
    experiment = doc.find_experiment("CustomerChurnPrediction")

    with doc.start_run(experiment, "RandomForest_v2") as run:
        run.log_metric("accuracy", 0.87)

    assert doc.model_version("CustomerChurnModel", 1).stage == "Staging"
    assert len(doc.data["experiment_management"]["runs"]) == 2
    assert_valid(doc)
