"""Tests of the store's reports and of ``monitor``, with expected values worked out by hand."""

from __future__ import annotations

import math

import pytest

from mlspec import store
from mlspec.errors import UsageError
from mlspec.store import StoreError

DEPLOYMENT = "DEP-20240116090000"
RUN = "RUN-20240115103500"


def _add_failed_run(document: dict) -> None:
    document["experiment_management"]["runs"].append(
        {
            "run_id": "RUN-2",
            "experiment_id": "EXP-20240115103000",
            "run_name": "Boosting_v1",
            "run_status": "Failed",
            "start_time": "2024-01-15T11:00:00Z",
            "end_time": "2024-01-15T11:05:00Z",
            "parameters": {"n_estimators": 300, "booster": "gbtree"},
            "metrics": [
                {"key": "accuracy", "value": 0.80, "step": 0},
                {"key": "accuracy", "value": 0.90, "step": 1},
            ],
        }
    )


def test_experiment_summary(store_conn, example_document):
    _add_failed_run(example_document)
    store.load(store_conn, example_document)
    rows = store.report(store_conn, "experiment-summary")
    assert rows == [
        {
            "experiment_id": "EXP-20240115103000",
            "experiment_name": "CustomerChurnPrediction",
            "run_count": 2,
            "finished_run_count": 1,
            "failed_run_count": 1,
        }
    ]


def test_model_performance_example(store_conn, example_document):
    store.load(store_conn, example_document)
    rows = store.report(store_conn, "model-performance", metric="accuracy")
    assert len(rows) == 1
    row = rows[0]
    assert row["model_name"] == "CustomerChurnModel"
    assert row["version_number"] == 1
    assert row["average_value"] == pytest.approx(0.85)
    assert row["point_count"] == 1
    assert row["latest_metrics"] == {
        "accuracy": 0.85,
        "precision": 0.82,
        "recall": 0.88,
    }


def test_model_performance_averages_history(store_conn, example_document):
    _add_failed_run(example_document)
    example_document["model_registry"]["model_versions"][0]["run_id"] = "RUN-2"
    store.load(store_conn, example_document)
    row = store.report(store_conn, "model-performance", metric="accuracy")[0]
    # Two points, 0.80 and 0.90: the average is 0.85 and step 1 is the latest.
    assert row["average_value"] == pytest.approx(0.85)
    assert row["point_count"] == 2
    assert row["latest_metrics"] == {"accuracy": 0.9}


def test_deployments_newest_first(store_conn, example_document):
    deployments = example_document["model_serving"]["model_deployments"]
    deployments.append(
        {
            **deployments[0],
            "deployment_id": "DEP-NEWER",
            "deployment_name": "churn-model-staging",
            "deployment_environment": "Staging",
            "deployment_status": "Inactive",
            "deployment_date": "2024-02-01T09:00:00Z",
        }
    )
    store.load(store_conn, example_document)
    every = store.report(store_conn, "deployments")
    active = store.report(store_conn, "deployments", active_only=True)

    assert [row["deployment_id"] for row in every] == ["DEP-NEWER", DEPLOYMENT]
    assert [row["deployment_id"] for row in active] == [DEPLOYMENT]
    assert active[0]["model_name"] == "CustomerChurnModel"
    assert active[0]["version_number"] == 1
    assert active[0]["deployment_environment"] == "Production"
    assert active[0]["deployment_status"] == "Active"
    assert active[0]["deployment_date"].isoformat() == "2024-01-16T09:00:00+00:00"


def test_health_over_windows(store_conn, example_document):
    store.load(store_conn, example_document)
    hour = store.report(
        store_conn,
        "health",
        deployment_id=DEPLOYMENT,
        window="1h",
        as_of="2024-01-16T10:00:00Z",
    )[0]
    quarter = store.report(
        store_conn,
        "health",
        deployment_id=DEPLOYMENT,
        window="15m",
        as_of="2024-01-16T10:00:00Z",
    )[0]

    # Latencies 45, 38 and 67 ms at 09:30, 09:40 and 09:50; the 09:50 one failed.
    assert hour["prediction_count"] == 3
    assert hour["avg_latency_ms"] == pytest.approx(50.0)
    assert hour["error_rate_percent"] == pytest.approx(100 / 3)
    assert quarter["prediction_count"] == 1
    assert quarter["avg_latency_ms"] == pytest.approx(67.0)
    assert quarter["error_rate_percent"] == pytest.approx(100.0)


def test_run_comparison(store_conn, example_document):
    _add_failed_run(example_document)
    store.load(store_conn, example_document)
    rows = store.report(store_conn, "compare", run_ids=["RUN-2", RUN])
    with pytest.raises(StoreError, match="run 'RUN-MISSING' not found"):
        store.report(store_conn, "compare", run_ids=["RUN-2", "RUN-MISSING"])

    assert [row["run_id"] for row in rows] == ["RUN-2", RUN]
    assert rows[0]["run_status"] == "Failed"
    assert rows[0]["parameters"] == {"booster": "gbtree", "n_estimators": "300"}
    assert rows[0]["metrics"] == {"accuracy": 0.9}
    assert rows[1]["parameters"]["max_depth"] == "10"
    assert rows[1]["metrics"]["recall"] == 0.88


def test_report_rejects_unknown_names(store_conn):
    with pytest.raises(UsageError):
        store.report(store_conn, "no-such-report")
    with pytest.raises(UsageError):
        store.report(store_conn, "deployments", colour="red")
    with pytest.raises(UsageError):
        store.report(store_conn, "health")


def _prediction(log_id: str, timestamp: str, latency: int, failed: bool) -> dict:
    return {
        "log_id": log_id,
        "prediction_id": f"PRED-{log_id}",
        "input_data": {"features": [1.0]},
        "output_data": None if failed else {"prediction": 1},
        "prediction_timestamp": timestamp,
        "latency_ms": latency,
        "error_occurred": failed,
    }


def test_monitor_writes_three_metrics(store_conn, example_document):
    monitoring = example_document["model_serving"]["model_monitoring"][0]
    monitoring["monitoring_metrics"] = []
    monitoring["prediction_logs"] = [
        _prediction("A", "2024-03-01T11:55:00Z", 10, False),
        _prediction("B", "2024-03-01T11:40:00Z", 30, True),
        _prediction("C", "2024-03-01T11:10:00Z", 20, False),
        _prediction("D", "2024-03-01T10:50:00Z", 1000, True),
        _prediction("E", "2024-03-01T12:01:00Z", 2000, True),
    ]
    store.load(store_conn, example_document)
    result = store.monitor(store_conn, DEPLOYMENT, "1h", "2024-03-01T12:00:00Z")

    # A, B and C fall in (11:00, 12:00]: latencies 10, 30, 20 ms, B failed.
    assert result.monitoring_id == "MON-20240116090000"
    assert result.prediction_count == 3
    assert result.avg_latency_ms == pytest.approx(20.0)
    assert result.error_rate_percent == pytest.approx(100 / 3)
    stored = store_conn.execute(
        "SELECT metric_name, metric_type, metric_value, monitoring_id "
        "FROM model_monitoring_metrics ORDER BY metric_name"
    ).fetchall()
    assert [row[:2] for row in stored] == [
        ("avg_latency_ms", "Latency"),
        ("error_rate", "Error_Rate"),
        ("prediction_count", "Prediction_Count"),
    ]
    assert [row[2] for row in stored] == pytest.approx([20.0, 100 / 3, 3.0])
    assert {row[3] for row in stored} == {"MON-20240116090000"}


def test_monitor_without_predictions_or_entry(store_conn, example_document):
    example_document["model_serving"]["model_monitoring"] = []
    example_document["model_serving"]["model_deployments"][0]["deployment_status"] = (
        "Inactive"
    )
    store.load(store_conn, example_document)
    result = store.monitor(store_conn, DEPLOYMENT, "30m", "2024-03-01T12:00:00Z")

    assert result.monitoring_id == f"MON-{DEPLOYMENT}"
    assert result.prediction_count == 0
    assert result.avg_latency_ms is None
    assert result.error_rate_percent == 0
    latency = [row for row in result.rows if row["metric_name"] == "avg_latency_ms"][0]
    assert math.isnan(latency["metric_value"])


def test_monitor_unknown_deployment(store_conn, example_document):
    store.load(store_conn, example_document)
    with pytest.raises(StoreError) as caught:
        store.monitor(store_conn, "DEP-MISSING", "1h")
    assert "deployment 'DEP-MISSING' not found" in str(caught.value)
    count = store_conn.execute("SELECT count(*) FROM model_monitoring").fetchone()[0]
    assert count == 1


def test_health_rejects_bad_window(store_conn, example_document):
    store.load(store_conn, example_document)
    with pytest.raises(UsageError) as caught:
        store.report(store_conn, "health", deployment_id=DEPLOYMENT, window="soon")
    assert "invalid window 'soon'" in str(caught.value)


def test_reports_keep_non_finite_metrics(store_conn, example_document):
    run = example_document["experiment_management"]["runs"][0]
    run["metrics"] = [
        {"key": "accuracy", "value": "NaN", "step": 0},
        {"key": "loss", "value": "Infinity", "step": 0},
    ]
    store.load(store_conn, example_document)
    compared = store.report(store_conn, "compare", run_ids=[RUN])[0]
    performance = store.report(store_conn, "model-performance")[0]

    # PostgreSQL writes non-finite numbers into jsonb as mlspec's strings.
    assert compared["metrics"] == {"accuracy": "NaN", "loss": "Infinity"}
    assert math.isnan(performance["average_value"])


def test_monitor_with_as_of_is_idempotent(store_conn, example_document):
    store.load(store_conn, example_document)

    first = store.monitor(store_conn, DEPLOYMENT, "1h", as_of="2024-01-16T10:00:00Z")
    second = store.monitor(store_conn, DEPLOYMENT, "1h", as_of="2024-01-16T10:00:00Z")

    count = store_conn.execute(
        "SELECT count(*) FROM model_monitoring_metrics WHERE metric_timestamp = %s",
        ("2024-01-16T10:00:00Z",),
    ).fetchone()[0]
    assert count == 3 + 3  # the example's own three metrics share that timestamp
    assert [row["metric_id"] for row in first.rows] == [
        row["metric_id"] for row in second.rows
    ]
