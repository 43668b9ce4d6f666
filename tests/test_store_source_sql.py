"""The source design's own statements, written out from the product brief, run unchanged.

The source stores a document with one upsert per table, leaves out
created_at, updated_at and the monitoring metric's id, derives parameter and
metric ids from run and name, and reads deployment health straight from
model_predictions. Each statement runs twice here, as a repeated store would.
"""

from __future__ import annotations

import psycopg
import pytest

RUN = "RUN-20240115103500"

SOURCE_UPSERTS = [
    (
        "INSERT INTO experiment_metadata (experiment_id, experiment_name, "
        "experiment_description, created_by) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (experiment_id) DO UPDATE SET "
        "experiment_name = EXCLUDED.experiment_name, "
        "experiment_description = EXCLUDED.experiment_description, "
        "updated_at = CURRENT_TIMESTAMP",
        (
            "EXP-20240115103000",
            "CustomerChurnPrediction",
            "Predict churn.",
            "data-science-team",
        ),
    ),
    (
        "INSERT INTO run_metadata (run_id, experiment_id, run_name, run_status, start_time, "
        "end_time, duration) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (run_id) DO UPDATE SET run_status = EXCLUDED.run_status, "
        "end_time = EXCLUDED.end_time, duration = EXCLUDED.duration",
        (
            RUN,
            "EXP-20240115103000",
            "RandomForest_v1",
            "Finished",
            "2024-01-15 10:35:00",
            "2024-01-15 10:50:00",
            900,
        ),
    ),
    (
        "INSERT INTO run_parameters (parameter_id, run_id, parameter_name, parameter_value) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (parameter_id) DO UPDATE SET "
        "parameter_value = EXCLUDED.parameter_value",
        (f"PARAM-{RUN}-n_estimators", RUN, "n_estimators", "100"),
    ),
    (
        "INSERT INTO run_metrics (metric_id, run_id, metric_name, metric_value, "
        "metric_timestamp) VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP) "
        "ON CONFLICT (metric_id) DO UPDATE SET metric_value = EXCLUDED.metric_value, "
        "metric_timestamp = EXCLUDED.metric_timestamp",
        (f"METRIC-{RUN}-accuracy", RUN, "accuracy", 0.85),
    ),
    (
        "INSERT INTO model_registry (model_id, model_name, model_description, created_by) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (model_id) DO UPDATE SET "
        "model_name = EXCLUDED.model_name, model_description = EXCLUDED.model_description, "
        "updated_at = CURRENT_TIMESTAMP",
        (
            "MODEL-20240115110000",
            "CustomerChurnModel",
            "Random forest.",
            "data-science-team",
        ),
    ),
    (
        "INSERT INTO model_versions (version_id, model_id, version_number, version_stage, "
        "version_description, run_id, model_uri, model_format, created_by) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (version_id) DO UPDATE SET "
        "version_stage = EXCLUDED.version_stage, "
        "version_description = EXCLUDED.version_description",
        (
            "VER-20240115110000",
            "MODEL-20240115110000",
            1,
            "Staging",
            "Baseline.",
            RUN,
            f"runs:/{RUN}/model",
            "Scikit_Learn",
            "data-science-team",
        ),
    ),
    (
        "INSERT INTO model_deployments (deployment_id, model_id, version_id, deployment_name, "
        "deployment_environment, deployment_status, deployment_date, deployment_endpoint) "
        "VALUES (%s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP, %s) "
        "ON CONFLICT (deployment_id) DO UPDATE SET "
        "deployment_status = EXCLUDED.deployment_status, "
        "deployment_endpoint = EXCLUDED.deployment_endpoint",
        (
            "DEP-20240116090000",
            "MODEL-20240115110000",
            "VER-20240115110000",
            "churn-model-production",
            "Production",
            "Active",
            "https://api.example.com/models/churn",
        ),
    ),
]

SOURCE_HEALTH = (
    "SELECT COUNT(*) AS prediction_count, AVG(latency_ms) AS avg_latency, "
    "SUM(CASE WHEN error_occurred THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS error_rate "
    "FROM model_predictions "
    "WHERE deployment_id = %s AND prediction_timestamp >= NOW() - INTERVAL '1 hour'"
)

SOURCE_MONITORING_INSERT = (
    "INSERT INTO model_monitoring_metrics (monitoring_id, metric_name, metric_type, "
    "metric_value, metric_timestamp) VALUES (%s, %s, %s, %s, CURRENT_TIMESTAMP)"
)


def _run_upserts(conn: psycopg.Connection) -> None:
    for statement, params in SOURCE_UPSERTS:
        conn.execute(statement, params)
    conn.commit()


def test_source_upserts_run_twice(store_conn, table_snapshot):
    _run_upserts(store_conn)
    first = table_snapshot(store_conn)
    _run_upserts(store_conn)
    second = table_snapshot(store_conn)

    for table in ("experiment_metadata", "model_registry"):
        assert len(second[table]) == 1
    # updated_at moves on the second run, because the source's upsert sets it.
    assert first["run_metadata"] == second["run_metadata"]
    assert first["run_parameters"] == second["run_parameters"]
    assert first["model_versions"] == second["model_versions"]
    assert first["model_deployments"] == second["model_deployments"]
    assert len(second["run_metrics"]) == 1


def test_source_rows_get_defaults(store_conn):
    _run_upserts(store_conn)
    created, updated = store_conn.execute(
        "SELECT created_at, updated_at FROM experiment_metadata"
    ).fetchone()
    step, metric_id = store_conn.execute(
        "SELECT step, metric_id FROM run_metrics"
    ).fetchone()
    stage, status = store_conn.execute(
        "SELECT v.version_stage, d.deployment_status FROM model_versions v "
        "JOIN model_deployments d USING (version_id)"
    ).fetchone()

    assert created is not None
    assert updated is not None
    assert step == 0
    assert metric_id == f"METRIC-{RUN}-accuracy"
    assert stage == "Staging"
    assert status == "Active"


def test_source_monitoring_and_health(store_conn):
    _run_upserts(store_conn)
    store_conn.execute(
        "INSERT INTO model_monitoring (monitoring_id, deployment_id) VALUES (%s, %s)",
        ("MON-1", "DEP-20240116090000"),
    )
    predictions = [("L1", 40, False, "10 minutes"), ("L2", 60, True, "20 minutes")]
    predictions.append(("L3", 500, True, "3 hours"))
    for log_id, latency, failed, age in predictions:
        store_conn.execute(
            "INSERT INTO model_predictions (log_id, prediction_id, deployment_id, input_data, "
            "output_data, prediction_timestamp, latency_ms, error_occurred) "
            "VALUES (%s, %s, %s, '{}', 'null', now() - %s::interval, %s, %s)",
            (log_id, log_id, "DEP-20240116090000", age, latency, failed),
        )

    for _ in range(2):
        count, latency, error_rate = store_conn.execute(
            SOURCE_HEALTH, ("DEP-20240116090000",)
        ).fetchone()
        for name, kind, value in (
            ("prediction_count", "Prediction_Count", count),
            ("avg_latency_ms", "Latency", latency),
            ("error_rate", "Error_Rate", error_rate),
        ):
            store_conn.execute(SOURCE_MONITORING_INSERT, ("MON-1", name, kind, value))
    store_conn.commit()

    # Two predictions fall in the last hour: 40 ms and 60 ms, one of them failed.
    assert count == 2
    assert float(latency) == pytest.approx(50.0)
    assert float(error_rate) == pytest.approx(50.0)
    stored = store_conn.execute(
        "SELECT count(*), count(DISTINCT metric_id) FROM model_monitoring_metrics"
    ).fetchone()
    assert stored == (6, 6)
