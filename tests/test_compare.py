"""Run comparison: latest values, metric direction and the best run per metric."""

from __future__ import annotations

import pytest

from mlspec.compare import compare_runs, is_higher_better, latest_metrics
from mlspec.document import Document
from mlspec.errors import UsageError


def document_with(*runs: dict) -> dict:
    """A canonical document holding the given runs of one experiment."""
    full_runs = [
        {
            "experiment_id": "EXP-1",
            "run_name": run["run_id"].lower(),
            "start_time": "2024-01-15T10:00:00Z",
            **run,
        }
        for run in runs
    ]
    return {"spec_version": "1.0", "experiment_management": {"runs": full_runs}}


def metric(comparison, key):
    return next(item for item in comparison.metrics if item.key == key)


def test_better_accuracy_marked():
    doc = Document(user="tester")
    experiment = doc.create_experiment("churn")
    with doc.start_run(experiment, "RandomForest_v1") as forest:
        forest.log_params({"n_estimators": 100, "max_depth": 10})
        forest.log_metric("accuracy", 0.85)
    with doc.start_run(experiment, "LogisticRegression_v1") as logistic:
        logistic.log_params({"C": 1.0})
        logistic.log_metric("accuracy", 0.79)

    comparison = doc.compare_runs([forest, logistic.run_id])

    accuracy = metric(comparison, "accuracy")
    assert accuracy.values == {forest.run_id: 0.85, logistic.run_id: 0.79}
    assert accuracy.best_run_ids == [forest.run_id]
    assert accuracy.higher_is_better
    assert [run.status for run in comparison.runs] == ["Finished", "Finished"]
    assert comparison.parameter_names == ["C", "max_depth", "n_estimators"]
    assert comparison.runs[1].parameters == {"C": 1.0}


@pytest.mark.parametrize(
    ("name", "higher"),
    [
        ("accuracy", True),
        ("f1_score", True),
        ("auc", True),
        ("loss", False),
        ("val_loss", False),
        ("trainLoss", False),
        ("rmse", False),
        ("test.mae", False),
        ("mean_squared_error", False),
        ("error_rate", False),
        ("log-loss", False),
        ("neg_mean_squared_error", True),
        ("neg_log_loss", True),
        ("errorless_score", True),
    ],
)
def test_metric_direction_from_name(name, higher):
    assert is_higher_better(name) is higher


def test_lower_is_better_marks_smallest():
    document = document_with(
        {"run_id": "A", "metrics": {"val_loss": 0.4}},
        {"run_id": "B", "metrics": {"val_loss": 0.2}},
    )

    comparison = compare_runs(document, ["A", "B"])

    assert metric(comparison, "val_loss").best_run_ids == ["B"]
    assert not metric(comparison, "val_loss").higher_is_better


def test_direction_override():
    document = document_with(
        {"run_id": "A", "metrics": {"loss": 0.4}},
        {"run_id": "B", "metrics": {"loss": 0.2}},
    )

    comparison = compare_runs(document, ["A", "B"], {"loss": True})

    assert metric(comparison, "loss").best_run_ids == ["A"]


@pytest.mark.parametrize(
    ("name", "values", "best"),
    [
        ("accuracy", {"A": "NaN", "B": 0.5}, ["B"]),
        ("accuracy", {"A": "Infinity", "B": 0.5}, ["B"]),
        ("loss", {"A": "-Infinity", "B": 0.5}, ["B"]),
        ("accuracy", {"A": "NaN", "B": "Infinity"}, []),
        ("accuracy", {"A": 0.9, "B": 0.9}, ["A", "B"]),
        ("accuracy", {"A": 1, "B": 0.5}, ["A"]),
        ("count", {"A": 10**400, "B": 0.5}, ["A"]),
    ],
)
def test_best_ignores_non_finite(name, values, best):
    document = document_with(
        *(
            {"run_id": run_id, "metrics": {name: value}}
            for run_id, value in values.items()
        )
    )

    comparison = compare_runs(document, ["A", "B"])

    assert metric(comparison, name).best_run_ids == best
    assert metric(comparison, name).values == values


def test_missing_metric_is_none():
    document = document_with(
        {"run_id": "A", "metrics": {"accuracy": 0.9, "recall": 0.7}},
        {"run_id": "B", "metrics": {"accuracy": 0.8}},
    )

    comparison = compare_runs(document, ["A", "B"])

    assert metric(comparison, "recall").values == {"A": 0.7, "B": None}
    assert metric(comparison, "recall").best_run_ids == ["A"]


def test_run_without_status_is_running():
    document = document_with({"run_id": "A"})

    comparison = compare_runs(document, ["A"])

    assert comparison.runs[0].status == "Running"
    assert comparison.metrics == []


def test_unknown_run_rejected_with_known_ids():
    document = document_with({"run_id": "A"}, {"run_id": "B"})

    with pytest.raises(UsageError, match="run C not found; the document's runs: A, B"):
        compare_runs(document, ["A", "C"])


def test_no_run_ids_rejected():
    with pytest.raises(UsageError, match="no run ids"):
        compare_runs(document_with({"run_id": "A"}), [])


def test_duplicate_run_id_compared_once():
    document = document_with({"run_id": "A", "metrics": {"m": 1}})

    comparison = compare_runs(document, ["A", "A"])

    assert [run.run_id for run in comparison.runs] == ["A"]


def test_order_of_runs_kept():
    document = document_with({"run_id": "A"}, {"run_id": "B"})

    comparison = compare_runs(document, ["B", "A"])

    assert [run.run_id for run in comparison.runs] == ["B", "A"]


def test_latest_point_by_step_then_time():
    run = {
        "run_id": "A",
        "start_time": "2024-01-15T10:00:00Z",
        "metrics": [
            {
                "key": "loss",
                "value": 0.3,
                "step": 2,
                "timestamp": "2024-01-15T10:01:00Z",
            },
            {
                "key": "loss",
                "value": 0.9,
                "step": 1,
                "timestamp": "2024-01-15T10:05:00Z",
            },
            {
                "key": "acc",
                "value": 0.6,
                "step": 0,
                "timestamp": "2024-01-15T10:03:00Z",
            },
            {
                "key": "acc",
                "value": 0.7,
                "step": 0,
                "timestamp": "2024-01-15T10:02:00Z",
            },
        ],
    }

    assert latest_metrics(run) == {"loss": 0.3, "acc": 0.6}


def test_latest_point_defaults_to_end_time():
    run = {
        "run_id": "A",
        "start_time": "2024-01-15T10:00:00Z",
        "end_time": "2024-01-15T10:10:00Z",
        "metrics": [
            {"key": "acc", "value": 0.6},
            {"key": "acc", "value": 0.7, "timestamp": "2024-01-15T10:05:00Z"},
        ],
    }

    assert latest_metrics(run) == {"acc": 0.6}


def test_latest_point_tie_takes_last():
    run = {
        "run_id": "A",
        "start_time": "2024-01-15T10:00:00Z",
        "metrics": [{"key": "acc", "value": 0.6}, {"key": "acc", "value": 0.7}],
    }

    assert latest_metrics(run) == {"acc": 0.7}
