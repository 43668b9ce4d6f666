-- name: report_experiment_summary
SELECT
  e.experiment_id,
  e.experiment_name,
  COUNT(r.run_id) AS run_count,
  COUNT(r.run_id) FILTER(WHERE
    r.run_status = 'Finished') AS finished_run_count,
  COUNT(r.run_id) FILTER(WHERE
    r.run_status = 'Failed') AS failed_run_count
FROM experiment_metadata AS e
LEFT JOIN run_metadata AS r
  ON r.experiment_id = e.experiment_id
GROUP BY
  e.experiment_id,
  e.experiment_name
ORDER BY
  e.experiment_name,
  e.experiment_id;

-- name: report_model_performance
SELECT
  m.model_id,
  m.model_name,
  v.version_id,
  v.version_number,
  v.version_stage,
  v.run_id,
  %(metric)s AS metric_name,
  (
    SELECT
      AVG(p.metric_value)
    FROM run_metrics AS p
    WHERE
      p.run_id = v.run_id AND p.metric_name = %(metric)s
  ) AS average_value,
  (
    SELECT
      COUNT(*)
    FROM run_metrics AS p
    WHERE
      p.run_id = v.run_id AND p.metric_name = %(metric)s
  ) AS point_count,
  (
    SELECT
      JSONB_OBJECT_AGG(latest.metric_name, latest.metric_value ORDER BY latest.metric_name)
    FROM (
      SELECT DISTINCT ON (p.metric_name)
        p.metric_name,
        p.metric_value
      FROM run_metrics AS p
      WHERE
        p.run_id = v.run_id
      ORDER BY
        p.metric_name,
        p.step DESC,
        p.metric_timestamp DESC
    ) AS latest
  ) AS latest_metrics
FROM model_versions AS v
JOIN model_registry AS m
  ON m.model_id = v.model_id
ORDER BY
  m.model_name,
  m.model_id,
  v.version_number;

-- name: report_deployments
SELECT
  d.deployment_id,
  m.model_name,
  v.version_number,
  d.deployment_environment,
  d.deployment_status,
  d.deployment_date
FROM model_deployments AS d
JOIN model_versions AS v
  ON v.version_id = d.version_id
JOIN model_registry AS m
  ON m.model_id = d.model_id
WHERE
  NOT %(active_only)s OR d.deployment_status = 'Active'
ORDER BY
  d.deployment_date DESC,
  d.deployment_id;

-- name: report_health
SELECT
  %(deployment_id)s AS deployment_id,
  COUNT(*) AS prediction_count,
  CAST(AVG(p.latency_ms) AS DOUBLE PRECISION) AS avg_latency_ms,
  CAST(COALESCE(100.0 * COUNT(*) FILTER(WHERE
    p.error_occurred) / NULLIF(COUNT(*), 0), 0) AS DOUBLE PRECISION) AS error_rate_percent
FROM model_predictions AS p
WHERE
  p.deployment_id = %(deployment_id)s
  AND p.prediction_timestamp > COALESCE(CAST(%(as_of)s AS TIMESTAMPTZ), CURRENT_TIMESTAMP) - CAST(%(window)s AS INTERVAL)
  AND p.prediction_timestamp <= COALESCE(CAST(%(as_of)s AS TIMESTAMPTZ), CURRENT_TIMESTAMP);

-- name: report_run_comparison
SELECT
  r.run_id,
  r.run_name,
  r.run_status,
  r.start_time,
  r.end_time,
  (
    SELECT
      JSONB_OBJECT_AGG(p.parameter_name, p.parameter_value ORDER BY p.parameter_name)
    FROM run_parameters AS p
    WHERE
      p.run_id = r.run_id
  ) AS parameters,
  (
    SELECT
      JSONB_OBJECT_AGG(latest.metric_name, latest.metric_value ORDER BY latest.metric_name)
    FROM (
      SELECT DISTINCT ON (p.metric_name)
        p.metric_name,
        p.metric_value
      FROM run_metrics AS p
      WHERE
        p.run_id = r.run_id
      ORDER BY
        p.metric_name,
        p.step DESC,
        p.metric_timestamp DESC
    ) AS latest
  ) AS metrics
FROM run_metadata AS r
WHERE
  r.run_id = ANY(
    CAST(%(run_ids)s AS TEXT[])
  )
ORDER BY
  ARRAY_POSITION(CAST(%(run_ids)s AS TEXT[]), r.run_id);

-- name: monitor_find_entry
SELECT
  monitoring_id
FROM model_monitoring
WHERE
  deployment_id = %(deployment_id)s
ORDER BY
  monitoring_id
LIMIT 1;

-- name: monitor_create_entry
INSERT INTO model_monitoring (
  monitoring_id,
  deployment_id
)
VALUES
  (%(monitoring_id)s, %(deployment_id)s) ON CONFLICT(monitoring_id) DO NOTHING;

-- name: monitor_insert
WITH health AS (
  SELECT
    %(deployment_id)s AS deployment_id,
    COUNT(*) AS prediction_count,
    CAST(AVG(p.latency_ms) AS DOUBLE PRECISION) AS avg_latency_ms,
    CAST(COALESCE(100.0 * COUNT(*) FILTER(WHERE
      p.error_occurred) / NULLIF(COUNT(*), 0), 0) AS DOUBLE PRECISION) AS error_rate_percent
  FROM model_predictions AS p
  WHERE
    p.deployment_id = %(deployment_id)s
    AND p.prediction_timestamp > COALESCE(CAST(%(as_of)s AS TIMESTAMPTZ), CURRENT_TIMESTAMP) - CAST(%(window)s AS INTERVAL)
    AND p.prediction_timestamp <= COALESCE(CAST(%(as_of)s AS TIMESTAMPTZ), CURRENT_TIMESTAMP)
)
INSERT INTO model_monitoring_metrics (
  monitoring_id,
  metric_name,
  metric_type,
  metric_value,
  metric_timestamp
)
SELECT
  %(monitoring_id)s,
  measured.metric_name,
  measured.metric_type,
  measured.metric_value,
  COALESCE(CAST(%(as_of)s AS TIMESTAMPTZ), CURRENT_TIMESTAMP)
FROM health
CROSS JOIN LATERAL (
  VALUES
    (
      'prediction_count',
      'Prediction_Count',
      CAST(health.prediction_count AS DOUBLE PRECISION)
    ),
    ('avg_latency_ms', 'Latency', COALESCE(health.avg_latency_ms, 'NaN')),
    ('error_rate', 'Error_Rate', health.error_rate_percent)
) AS measured(metric_name, metric_type, metric_value)
RETURNING metric_id, metric_name, metric_type, metric_value, metric_timestamp;
