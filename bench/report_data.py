"""Fill the store's tables with synthetic rows for the report benchmark and plan test.

The rows are built by PostgreSQL itself (``INSERT ... SELECT`` over
``generate_series``), which writes them at least as fast as COPY, so millions
of metric points load in minutes. Ids are zero-padded counters, so the same
arguments give the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from mlspec.store.connection import statements
from mlspec.store.reports import REPORTS, normalize_window

AS_OF = "2024-03-01T00:00:00Z"
"""The time the health report looks back from; predictions fall in the day before."""

METRIC_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind to write."""

    runs: int
    points_per_run: int
    params_per_run: int = 5
    experiments: int = 10
    models: int = 100
    versions_per_model: int = 10
    deployments: int = 200
    predictions: int = 1_000_000


_STATEMENTS = (
    """
    INSERT INTO experiment_metadata (experiment_id, experiment_name, created_by, created_at)
    SELECT format('EXP-%%s', lpad(e::text, 8, '0')), format('experiment-%%s', e),
           'bench', TIMESTAMPTZ '2024-01-01T00:00:00Z'
    FROM generate_series(0, %(experiments)s - 1) AS e
    """,
    """
    INSERT INTO run_metadata (run_id, experiment_id, run_name, run_status, start_time,
                              end_time, duration)
    SELECT format('RUN-%%s', lpad(r::text, 8, '0')),
           format('EXP-%%s', lpad((r %% %(experiments)s)::text, 8, '0')),
           format('run-%%s', r),
           (ARRAY['Finished', 'Finished', 'Failed', 'Running'])[r %% 4 + 1],
           TIMESTAMPTZ '2024-01-15T10:00:00Z' + r * INTERVAL '1 minute',
           TIMESTAMPTZ '2024-01-15T10:00:00Z' + r * INTERVAL '1 minute'
               + INTERVAL '50 seconds',
           50
    FROM generate_series(0, %(runs)s - 1) AS r
    """,
    """
    INSERT INTO run_parameters (parameter_id, run_id, parameter_name, parameter_value)
    SELECT format('RUN-%%s/param_%%s', lpad(r::text, 8, '0'), p),
           format('RUN-%%s', lpad(r::text, 8, '0')),
           format('param_%%s', p), ((r * 7 + p) %% 1000)::text
    FROM generate_series(0, %(runs)s - 1) AS r,
         generate_series(0, %(params_per_run)s - 1) AS p
    """,
    """
    INSERT INTO model_registry (model_id, model_name, created_by, created_at)
    SELECT format('MOD-%%s', lpad(m::text, 6, '0')), format('model-%%s', m),
           'bench', TIMESTAMPTZ '2024-02-01T00:00:00Z'
    FROM generate_series(0, %(models)s - 1) AS m
    """,
    """
    INSERT INTO model_versions (version_id, model_id, version_number, version_stage,
                                run_id, model_uri, model_format, created_at, created_by)
    SELECT format('VER-%%s-%%s', lpad(m::text, 6, '0'), v),
           format('MOD-%%s', lpad(m::text, 6, '0')), v,
           (ARRAY['None', 'Staging', 'Production', 'Archived'])[v %% 4 + 1],
           format('RUN-%%s', lpad(((m * %(versions_per_model)s + v) * 97
                                   %% %(runs)s)::text, 8, '0')),
           format('models:/model-%%s/%%s', m, v), 'MLflow',
           TIMESTAMPTZ '2024-02-01T00:00:00Z', 'bench'
    FROM generate_series(0, %(models)s - 1) AS m,
         generate_series(1, %(versions_per_model)s) AS v
    """,
    """
    INSERT INTO model_deployments (deployment_id, model_id, version_id, deployment_name,
                                   deployment_environment, deployment_status,
                                   deployment_date)
    SELECT format('DEP-%%s', lpad(d::text, 6, '0')),
           format('MOD-%%s', lpad((d %% %(models)s)::text, 6, '0')),
           format('VER-%%s-%%s', lpad((d %% %(models)s)::text, 6, '0'), 1),
           format('deployment-%%s', d),
           (ARRAY['Development', 'Staging', 'Production'])[d %% 3 + 1],
           (ARRAY['Active', 'Inactive', 'Failed', 'Deploying'])[d %% 4 + 1],
           TIMESTAMPTZ '2024-02-15T00:00:00Z' + d * INTERVAL '1 hour'
    FROM generate_series(0, %(deployments)s - 1) AS d
    """,
    """
    INSERT INTO model_monitoring (monitoring_id, deployment_id)
    SELECT format('MON-%%s', lpad(d::text, 6, '0')),
           format('DEP-%%s', lpad(d::text, 6, '0'))
    FROM generate_series(0, %(deployments)s - 1) AS d
    """,
    """
    INSERT INTO model_predictions (monitoring_id, deployment_id, log_id, prediction_id,
                                   input_data, output_data, prediction_timestamp,
                                   latency_ms, error_occurred)
    SELECT format('MON-%%s', lpad((i %% %(deployments)s)::text, 6, '0')),
           format('DEP-%%s', lpad((i %% %(deployments)s)::text, 6, '0')),
           format('LOG-%%s', lpad(i::text, 9, '0')), format('PRED-%%s', i),
           '{"x": 1}', '0.5',
           CAST(%(as_of)s AS TIMESTAMPTZ) - (i %% 86400) * INTERVAL '1 second',
           10 + i %% 90, i %% 50 = 0
    FROM generate_series(0, %(predictions)s - 1) AS i
    """,
)

_METRICS = """
    INSERT INTO run_metrics (metric_id, run_id, metric_name, metric_value, step,
                             metric_timestamp)
    SELECT format('RUN-%%s/%%s', lpad(r::text, 8, '0'), s),
           format('RUN-%%s', lpad(r::text, 8, '0')),
           (ARRAY['loss', 'accuracy', 'val_loss', 'val_accuracy'])[s %% 4 + 1],
           ((r * 31 + s * 17) %% 1000) / 1000.0,
           s / 4,
           TIMESTAMPTZ '2024-01-15T10:00:00Z' + r * INTERVAL '1 minute'
               + s * INTERVAL '1 second'
    FROM generate_series(%(first)s::int, %(last)s::int) AS r,
         generate_series(0, %(points_per_run)s - 1) AS s
"""

_METRIC_BATCH_RUNS = 10_000


def populate(conn: psycopg.Connection, scale: Scale, progress: bool = False) -> None:
    """Insert the synthetic rows into the store's empty tables, then VACUUM and ANALYZE them.

    Metric points are inserted in batches of 10,000 runs, each committed on
    its own, so a progress line can follow each batch.
    """
    values: dict[str, Any] = {**scale.__dict__, "as_of": AS_OF}
    with conn.transaction():
        for statement in _STATEMENTS:
            conn.execute(statement, values)
    for first in range(0, scale.runs, _METRIC_BATCH_RUNS):
        last = min(first + _METRIC_BATCH_RUNS, scale.runs) - 1
        with conn.transaction():
            conn.execute(_METRICS, {**values, "first": first, "last": last})
        if progress:
            print(f"  metric points for runs up to {last + 1}", flush=True)
    conn.commit()
    # VACUUM sets the visibility map, as autovacuum would after a bulk insert,
    # so that index-only scans need no heap fetches.
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE)")
    conn.autocommit = False


def report_parameters(scale: Scale) -> dict[str, dict[str, Any]]:
    """Return each report's parameters, chosen so that every report returns rows."""
    step = max(scale.runs // 10, 1)
    run_ids = [f"RUN-{index:08d}" for index in range(0, scale.runs, step)][:10]
    return {
        "experiment-summary": {},
        "model-performance": {"metric": "accuracy"},
        "deployments": {"active_only": True},
        "health": {"deployment_id": "DEP-000000", "window": "1h", "as_of": AS_OF},
        "compare": {"run_ids": run_ids},
    }


def explain(
    conn: psycopg.Connection, name: str, params: dict[str, Any], analyze: bool = False
) -> str:
    """Return the plan of one report with its parameters bound, as EXPLAIN prints it.

    With ``analyze`` the report runs and the plan shows times and buffers.
    """
    query, defaults = REPORTS[name]
    values = {**defaults, **params}
    if "window" in values:
        values["window"] = normalize_window(values["window"])
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    with conn.transaction():
        conn.execute("SET LOCAL TimeZone = 'UTC'")
        conn.execute("SET LOCAL jit = off")  # as store.report runs them
        rows = conn.execute(prefix + statements()[query], values).fetchall()
    return "\n".join(row[0] for row in rows)
