-- name: lock_load
SELECT
  PG_ADVISORY_XACT_LOCK(8336804140181429499);

-- name: stage_experiment_metadata
CREATE TEMPORARY TABLE IF NOT EXISTS stage_experiment_metadata (
    LIKE experiment_metadata,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_experiment_metadata
COPY stage_experiment_metadata (
  experiment_id,
  experiment_name,
  experiment_description,
  experiment_tags,
  created_by,
  created_at,
  updated_at
)
FROM STDIN;

-- name: upsert_experiment_metadata
WITH upserted AS (
  INSERT INTO experiment_metadata AS target (
    experiment_id,
    experiment_name,
    experiment_description,
    experiment_tags,
    created_by,
    created_at,
    updated_at
  )
  SELECT DISTINCT ON (experiment_id)
    experiment_id,
    experiment_name,
    experiment_description,
    experiment_tags,
    created_by,
    COALESCE(created_at, CURRENT_TIMESTAMP) AS created_at,
    COALESCE(updated_at, CURRENT_TIMESTAMP) AS updated_at
  FROM stage_experiment_metadata
  ORDER BY
    experiment_id,
    stage_row DESC ON CONFLICT(experiment_id) DO UPDATE SET experiment_name = EXCLUDED.experiment_name, experiment_description = EXCLUDED.experiment_description, experiment_tags = EXCLUDED.experiment_tags, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at, updated_at = COALESCE(EXCLUDED.updated_at, CURRENT_TIMESTAMP)
  WHERE
    (
      target.experiment_name,
      target.experiment_description,
      target.experiment_tags,
      target.created_by,
      target.created_at
    ) IS DISTINCT FROM (
      EXCLUDED.experiment_name,
      EXCLUDED.experiment_description,
      EXCLUDED.experiment_tags,
      EXCLUDED.created_by,
      EXCLUDED.created_at
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        experiment_id
      FROM stage_experiment_metadata
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_run_metadata
CREATE TEMPORARY TABLE IF NOT EXISTS stage_run_metadata (
    LIKE run_metadata,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_run_metadata
COPY stage_run_metadata (
  run_id,
  experiment_id,
  run_name,
  run_status,
  start_time,
  end_time,
  duration,
  parent_run_id
)
FROM STDIN;

-- name: upsert_run_metadata
WITH upserted AS (
  INSERT INTO run_metadata AS target (
    run_id,
    experiment_id,
    run_name,
    run_status,
    start_time,
    end_time,
    duration,
    parent_run_id
  )
  SELECT DISTINCT ON (run_id)
    run_id,
    experiment_id,
    run_name,
    run_status,
    start_time,
    end_time,
    duration,
    parent_run_id
  FROM stage_run_metadata
  ORDER BY
    run_id,
    stage_row DESC ON CONFLICT(run_id) DO UPDATE SET experiment_id = EXCLUDED.experiment_id, run_name = EXCLUDED.run_name, run_status = EXCLUDED.run_status, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, duration = EXCLUDED.duration, parent_run_id = EXCLUDED.parent_run_id
  WHERE
    (
      target.experiment_id,
      target.run_name,
      target.run_status,
      target.start_time,
      target.end_time,
      target.duration,
      target.parent_run_id
    ) IS DISTINCT FROM (
      EXCLUDED.experiment_id,
      EXCLUDED.run_name,
      EXCLUDED.run_status,
      EXCLUDED.start_time,
      EXCLUDED.end_time,
      EXCLUDED.duration,
      EXCLUDED.parent_run_id
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id
      FROM stage_run_metadata
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_run_parameters
CREATE TEMPORARY TABLE IF NOT EXISTS stage_run_parameters (
    LIKE run_parameters,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_run_parameters
COPY stage_run_parameters (
  parameter_id,
  run_id,
  parameter_name,
  parameter_value
)
FROM STDIN;

-- name: conflicts_run_parameters_parameter_value
SELECT
  staged.run_id,
  staged.parameter_name,
  stored.parameter_value AS stored_value,
  staged.parameter_value AS new_value
FROM stage_run_parameters AS staged
JOIN run_parameters AS stored
  ON stored.run_id = staged.run_id AND stored.parameter_name = staged.parameter_name
WHERE
  stored.parameter_value IS DISTINCT FROM staged.parameter_value
UNION ALL
SELECT
  run_id,
  parameter_name,
  MIN(parameter_value),
  MAX(parameter_value)
FROM stage_run_parameters
GROUP BY
  run_id,
  parameter_name
HAVING
  COUNT(DISTINCT parameter_value) > 1
LIMIT 20;

-- name: upsert_run_parameters
WITH upserted AS (
  INSERT INTO run_parameters AS target (
    parameter_id,
    run_id,
    parameter_name,
    parameter_value
  )
  SELECT DISTINCT ON (run_id, parameter_name)
    parameter_id,
    run_id,
    parameter_name,
    parameter_value
  FROM stage_run_parameters
  ORDER BY
    run_id,
    parameter_name,
    stage_row DESC ON CONFLICT(run_id, parameter_name) DO UPDATE SET parameter_value = EXCLUDED.parameter_value
  WHERE
    (
      target.parameter_value
    ) IS DISTINCT FROM (
      EXCLUDED.parameter_value
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id,
        parameter_name
      FROM stage_run_parameters
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_run_metrics
CREATE TEMPORARY TABLE IF NOT EXISTS stage_run_metrics (
    LIKE run_metrics,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_run_metrics
COPY stage_run_metrics (
  metric_id,
  run_id,
  metric_name,
  metric_value,
  step,
  metric_timestamp
)
FROM STDIN;

-- name: upsert_run_metrics
WITH upserted AS (
  INSERT INTO run_metrics AS target (
    metric_id,
    run_id,
    metric_name,
    metric_value,
    step,
    metric_timestamp
  )
  SELECT DISTINCT ON (run_id, metric_name, step, metric_timestamp)
    metric_id,
    run_id,
    metric_name,
    metric_value,
    step,
    metric_timestamp
  FROM stage_run_metrics
  ORDER BY
    run_id,
    metric_name,
    step,
    metric_timestamp,
    stage_row DESC ON CONFLICT(run_id, metric_name, step, metric_timestamp) DO UPDATE SET metric_value = EXCLUDED.metric_value
  WHERE
    (
      target.metric_value
    ) IS DISTINCT FROM (
      EXCLUDED.metric_value
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id,
        metric_name,
        step,
        metric_timestamp
      FROM stage_run_metrics
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_run_tags
CREATE TEMPORARY TABLE IF NOT EXISTS stage_run_tags (
    LIKE run_tags,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_run_tags
COPY stage_run_tags (
  run_id,
  tag_key,
  tag_value
)
FROM STDIN;

-- name: upsert_run_tags
WITH upserted AS (
  INSERT INTO run_tags AS target (
    run_id,
    tag_key,
    tag_value
  )
  SELECT DISTINCT ON (run_id, tag_key)
    run_id,
    tag_key,
    tag_value
  FROM stage_run_tags
  ORDER BY
    run_id,
    tag_key,
    stage_row DESC ON CONFLICT(run_id, tag_key) DO UPDATE SET tag_value = EXCLUDED.tag_value
  WHERE
    (
      target.tag_value
    ) IS DISTINCT FROM (
      EXCLUDED.tag_value
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id,
        tag_key
      FROM stage_run_tags
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_run_artifacts
CREATE TEMPORARY TABLE IF NOT EXISTS stage_run_artifacts (
    LIKE run_artifacts,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_run_artifacts
COPY stage_run_artifacts (
  run_id,
  artifact_id,
  artifact_path,
  artifact_type,
  artifact_size
)
FROM STDIN;

-- name: upsert_run_artifacts
WITH upserted AS (
  INSERT INTO run_artifacts AS target (
    run_id,
    artifact_id,
    artifact_path,
    artifact_type,
    artifact_size
  )
  SELECT DISTINCT ON (artifact_id)
    run_id,
    artifact_id,
    artifact_path,
    artifact_type,
    artifact_size
  FROM stage_run_artifacts
  ORDER BY
    artifact_id,
    stage_row DESC ON CONFLICT(artifact_id) DO UPDATE SET run_id = EXCLUDED.run_id, artifact_path = EXCLUDED.artifact_path, artifact_type = EXCLUDED.artifact_type, artifact_size = EXCLUDED.artifact_size
  WHERE
    (target.run_id, target.artifact_path, target.artifact_type, target.artifact_size) IS DISTINCT FROM (
      EXCLUDED.run_id,
      EXCLUDED.artifact_path,
      EXCLUDED.artifact_type,
      EXCLUDED.artifact_size
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        artifact_id
      FROM stage_run_artifacts
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_experiment_comparisons
CREATE TEMPORARY TABLE IF NOT EXISTS stage_experiment_comparisons (
    LIKE experiment_comparisons,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_experiment_comparisons
COPY stage_experiment_comparisons (
  comparison_id,
  comparison_date,
  comparison_metrics,
  best_experiment_id,
  comparison_summary
)
FROM STDIN;

-- name: upsert_experiment_comparisons
WITH upserted AS (
  INSERT INTO experiment_comparisons AS target (
    comparison_id,
    comparison_date,
    comparison_metrics,
    best_experiment_id,
    comparison_summary
  )
  SELECT DISTINCT ON (comparison_id)
    comparison_id,
    comparison_date,
    comparison_metrics,
    best_experiment_id,
    comparison_summary
  FROM stage_experiment_comparisons
  ORDER BY
    comparison_id,
    stage_row DESC ON CONFLICT(comparison_id) DO UPDATE SET comparison_date = EXCLUDED.comparison_date, comparison_metrics = EXCLUDED.comparison_metrics, best_experiment_id = EXCLUDED.best_experiment_id, comparison_summary = EXCLUDED.comparison_summary
  WHERE
    (
      target.comparison_date,
      target.comparison_metrics,
      target.best_experiment_id,
      target.comparison_summary
    ) IS DISTINCT FROM (
      EXCLUDED.comparison_date,
      EXCLUDED.comparison_metrics,
      EXCLUDED.best_experiment_id,
      EXCLUDED.comparison_summary
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        comparison_id
      FROM stage_experiment_comparisons
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_experiment_comparison_members
CREATE TEMPORARY TABLE IF NOT EXISTS stage_experiment_comparison_members (
    LIKE experiment_comparison_members,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_experiment_comparison_members
COPY stage_experiment_comparison_members (
  comparison_id,
  experiment_id
)
FROM STDIN;

-- name: upsert_experiment_comparison_members
WITH upserted AS (
  INSERT INTO experiment_comparison_members AS target (
    comparison_id,
    experiment_id
  )
  SELECT DISTINCT ON (comparison_id, experiment_id)
    comparison_id,
    experiment_id
  FROM stage_experiment_comparison_members
  ORDER BY
    comparison_id,
    experiment_id,
    stage_row DESC ON CONFLICT(comparison_id, experiment_id) DO NOTHING
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        comparison_id,
        experiment_id
      FROM stage_experiment_comparison_members
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_training_definitions
CREATE TEMPORARY TABLE IF NOT EXISTS stage_training_definitions (
    LIKE training_definitions,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_training_definitions
COPY stage_training_definitions (
  definition_id,
  definition_name,
  model_type,
  input_shape,
  output_shape,
  hidden_layers,
  activation_functions,
  optimizer,
  loss_function,
  batch_size,
  epochs,
  learning_rate,
  validation_split,
  early_stopping,
  training_data_path,
  validation_data_path,
  test_data_path,
  data_preprocessing
)
FROM STDIN;

-- name: upsert_training_definitions
WITH upserted AS (
  INSERT INTO training_definitions AS target (
    definition_id,
    definition_name,
    model_type,
    input_shape,
    output_shape,
    hidden_layers,
    activation_functions,
    optimizer,
    loss_function,
    batch_size,
    epochs,
    learning_rate,
    validation_split,
    early_stopping,
    training_data_path,
    validation_data_path,
    test_data_path,
    data_preprocessing
  )
  SELECT DISTINCT ON (definition_id)
    definition_id,
    definition_name,
    model_type,
    input_shape,
    output_shape,
    hidden_layers,
    activation_functions,
    optimizer,
    loss_function,
    batch_size,
    epochs,
    learning_rate,
    validation_split,
    early_stopping,
    training_data_path,
    validation_data_path,
    test_data_path,
    data_preprocessing
  FROM stage_training_definitions
  ORDER BY
    definition_id,
    stage_row DESC ON CONFLICT(definition_id) DO UPDATE SET definition_name = EXCLUDED.definition_name, model_type = EXCLUDED.model_type, input_shape = EXCLUDED.input_shape, output_shape = EXCLUDED.output_shape, hidden_layers = EXCLUDED.hidden_layers, activation_functions = EXCLUDED.activation_functions, optimizer = EXCLUDED.optimizer, loss_function = EXCLUDED.loss_function, batch_size = EXCLUDED.batch_size, epochs = EXCLUDED.epochs, learning_rate = EXCLUDED.learning_rate, validation_split = EXCLUDED.validation_split, early_stopping = EXCLUDED.early_stopping, training_data_path = EXCLUDED.training_data_path, validation_data_path = EXCLUDED.validation_data_path, test_data_path = EXCLUDED.test_data_path, data_preprocessing = EXCLUDED.data_preprocessing
  WHERE
    (
      target.definition_name,
      target.model_type,
      target.input_shape,
      target.output_shape,
      target.hidden_layers,
      target.activation_functions,
      target.optimizer,
      target.loss_function,
      target.batch_size,
      target.epochs,
      target.learning_rate,
      target.validation_split,
      target.early_stopping,
      target.training_data_path,
      target.validation_data_path,
      target.test_data_path,
      target.data_preprocessing
    ) IS DISTINCT FROM (
      EXCLUDED.definition_name,
      EXCLUDED.model_type,
      EXCLUDED.input_shape,
      EXCLUDED.output_shape,
      EXCLUDED.hidden_layers,
      EXCLUDED.activation_functions,
      EXCLUDED.optimizer,
      EXCLUDED.loss_function,
      EXCLUDED.batch_size,
      EXCLUDED.epochs,
      EXCLUDED.learning_rate,
      EXCLUDED.validation_split,
      EXCLUDED.early_stopping,
      EXCLUDED.training_data_path,
      EXCLUDED.validation_data_path,
      EXCLUDED.test_data_path,
      EXCLUDED.data_preprocessing
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        definition_id
      FROM stage_training_definitions
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_training_runs
CREATE TEMPORARY TABLE IF NOT EXISTS stage_training_runs (
    LIKE training_runs,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_training_runs
COPY stage_training_runs (
  run_id,
  definition_id,
  run_status,
  start_time,
  end_time
)
FROM STDIN;

-- name: upsert_training_runs
WITH upserted AS (
  INSERT INTO training_runs AS target (
    run_id,
    definition_id,
    run_status,
    start_time,
    end_time
  )
  SELECT DISTINCT ON (run_id)
    run_id,
    definition_id,
    run_status,
    start_time,
    end_time
  FROM stage_training_runs
  ORDER BY
    run_id,
    stage_row DESC ON CONFLICT(run_id) DO UPDATE SET definition_id = EXCLUDED.definition_id, run_status = EXCLUDED.run_status, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time
  WHERE
    (target.definition_id, target.run_status, target.start_time, target.end_time) IS DISTINCT FROM (
      EXCLUDED.definition_id,
      EXCLUDED.run_status,
      EXCLUDED.start_time,
      EXCLUDED.end_time
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id
      FROM stage_training_runs
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_training_iterations
CREATE TEMPORARY TABLE IF NOT EXISTS stage_training_iterations (
    LIKE training_iterations,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_training_iterations
COPY stage_training_iterations (
  run_id,
  iteration_id,
  iteration_number,
  epoch,
  batch,
  loss,
  accuracy,
  validation_loss,
  validation_accuracy,
  "timestamp"
)
FROM STDIN;

-- name: upsert_training_iterations
WITH upserted AS (
  INSERT INTO training_iterations AS target (
    run_id,
    iteration_id,
    iteration_number,
    epoch,
    batch,
    loss,
    accuracy,
    validation_loss,
    validation_accuracy,
    "timestamp"
  )
  SELECT DISTINCT ON (run_id, iteration_id)
    run_id,
    iteration_id,
    iteration_number,
    epoch,
    batch,
    loss,
    accuracy,
    validation_loss,
    validation_accuracy,
    "timestamp"
  FROM stage_training_iterations
  ORDER BY
    run_id,
    iteration_id,
    stage_row DESC ON CONFLICT(run_id, iteration_id) DO UPDATE SET iteration_number = EXCLUDED.iteration_number, epoch = EXCLUDED.epoch, batch = EXCLUDED.batch, loss = EXCLUDED.loss, accuracy = EXCLUDED.accuracy, validation_loss = EXCLUDED.validation_loss, validation_accuracy = EXCLUDED.validation_accuracy, "timestamp" = EXCLUDED."timestamp"
  WHERE
    (
      target.iteration_number,
      target.epoch,
      target.batch,
      target.loss,
      target.accuracy,
      target.validation_loss,
      target.validation_accuracy,
      target."timestamp"
    ) IS DISTINCT FROM (
      EXCLUDED.iteration_number,
      EXCLUDED.epoch,
      EXCLUDED.batch,
      EXCLUDED.loss,
      EXCLUDED.accuracy,
      EXCLUDED.validation_loss,
      EXCLUDED.validation_accuracy,
      EXCLUDED."timestamp"
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        run_id,
        iteration_id
      FROM stage_training_iterations
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_training_metrics
CREATE TEMPORARY TABLE IF NOT EXISTS stage_training_metrics (
    LIKE training_metrics,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_training_metrics
COPY stage_training_metrics (
  metric_id,
  run_id,
  metric_name,
  metric_type,
  metric_value,
  metric_timestamp,
  dataset_type
)
FROM STDIN;

-- name: upsert_training_metrics
WITH upserted AS (
  INSERT INTO training_metrics AS target (
    metric_id,
    run_id,
    metric_name,
    metric_type,
    metric_value,
    metric_timestamp,
    dataset_type
  )
  SELECT DISTINCT ON (metric_id)
    metric_id,
    run_id,
    metric_name,
    metric_type,
    metric_value,
    metric_timestamp,
    dataset_type
  FROM stage_training_metrics
  ORDER BY
    metric_id,
    stage_row DESC ON CONFLICT(metric_id) DO UPDATE SET run_id = EXCLUDED.run_id, metric_name = EXCLUDED.metric_name, metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value, metric_timestamp = EXCLUDED.metric_timestamp, dataset_type = EXCLUDED.dataset_type
  WHERE
    (
      target.run_id,
      target.metric_name,
      target.metric_type,
      target.metric_value,
      target.metric_timestamp,
      target.dataset_type
    ) IS DISTINCT FROM (
      EXCLUDED.run_id,
      EXCLUDED.metric_name,
      EXCLUDED.metric_type,
      EXCLUDED.metric_value,
      EXCLUDED.metric_timestamp,
      EXCLUDED.dataset_type
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        metric_id
      FROM stage_training_metrics
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_registry
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_registry (
    LIKE model_registry,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_registry
COPY stage_model_registry (
  model_id,
  model_name,
  model_description,
  model_tags,
  created_by,
  created_at,
  updated_at
)
FROM STDIN;

-- name: upsert_model_registry
WITH upserted AS (
  INSERT INTO model_registry AS target (
    model_id,
    model_name,
    model_description,
    model_tags,
    created_by,
    created_at,
    updated_at
  )
  SELECT DISTINCT ON (model_id)
    model_id,
    model_name,
    model_description,
    model_tags,
    created_by,
    COALESCE(created_at, CURRENT_TIMESTAMP) AS created_at,
    COALESCE(updated_at, CURRENT_TIMESTAMP) AS updated_at
  FROM stage_model_registry
  ORDER BY
    model_id,
    stage_row DESC ON CONFLICT(model_id) DO UPDATE SET model_name = EXCLUDED.model_name, model_description = EXCLUDED.model_description, model_tags = EXCLUDED.model_tags, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at, updated_at = COALESCE(EXCLUDED.updated_at, CURRENT_TIMESTAMP)
  WHERE
    (
      target.model_name,
      target.model_description,
      target.model_tags,
      target.created_by,
      target.created_at
    ) IS DISTINCT FROM (
      EXCLUDED.model_name,
      EXCLUDED.model_description,
      EXCLUDED.model_tags,
      EXCLUDED.created_by,
      EXCLUDED.created_at
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        model_id
      FROM stage_model_registry
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_versions
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_versions (
    LIKE model_versions,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_versions
COPY stage_model_versions (
  version_id,
  model_id,
  version_number,
  version_stage,
  version_description,
  run_id,
  model_uri,
  model_format,
  created_at,
  created_by
)
FROM STDIN;

-- name: upsert_model_versions
WITH upserted AS (
  INSERT INTO model_versions AS target (
    version_id,
    model_id,
    version_number,
    version_stage,
    version_description,
    run_id,
    model_uri,
    model_format,
    created_at,
    created_by
  )
  SELECT DISTINCT ON (version_id)
    version_id,
    model_id,
    version_number,
    version_stage,
    version_description,
    run_id,
    model_uri,
    model_format,
    COALESCE(created_at, CURRENT_TIMESTAMP) AS created_at,
    created_by
  FROM stage_model_versions
  ORDER BY
    version_id,
    stage_row DESC ON CONFLICT(version_id) DO UPDATE SET model_id = EXCLUDED.model_id, version_number = EXCLUDED.version_number, version_stage = EXCLUDED.version_stage, version_description = EXCLUDED.version_description, run_id = EXCLUDED.run_id, model_uri = EXCLUDED.model_uri, model_format = EXCLUDED.model_format, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by
  WHERE
    (
      target.model_id,
      target.version_number,
      target.version_stage,
      target.version_description,
      target.run_id,
      target.model_uri,
      target.model_format,
      target.created_at,
      target.created_by
    ) IS DISTINCT FROM (
      EXCLUDED.model_id,
      EXCLUDED.version_number,
      EXCLUDED.version_stage,
      EXCLUDED.version_description,
      EXCLUDED.run_id,
      EXCLUDED.model_uri,
      EXCLUDED.model_format,
      EXCLUDED.created_at,
      EXCLUDED.created_by
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        version_id
      FROM stage_model_versions
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_version_aliases
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_version_aliases (
    LIKE model_version_aliases,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_version_aliases
COPY stage_model_version_aliases (
  version_id,
  model_id,
  alias
)
FROM STDIN;

-- name: upsert_model_version_aliases
WITH upserted AS (
  INSERT INTO model_version_aliases AS target (
    version_id,
    model_id,
    alias
  )
  SELECT DISTINCT ON (model_id, alias)
    version_id,
    model_id,
    alias
  FROM stage_model_version_aliases
  ORDER BY
    model_id,
    alias,
    stage_row DESC ON CONFLICT(model_id, alias) DO UPDATE SET version_id = EXCLUDED.version_id
  WHERE
    (
      target.version_id
    ) IS DISTINCT FROM (
      EXCLUDED.version_id
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        model_id,
        alias
      FROM stage_model_version_aliases
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_metadata
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_metadata (
    LIKE model_metadata,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_metadata
COPY stage_model_metadata (
  metadata_id,
  model_id,
  version_id,
  metadata_key,
  metadata_value,
  metadata_type
)
FROM STDIN;

-- name: upsert_model_metadata
WITH upserted AS (
  INSERT INTO model_metadata AS target (
    metadata_id,
    model_id,
    version_id,
    metadata_key,
    metadata_value,
    metadata_type
  )
  SELECT DISTINCT ON (metadata_id)
    metadata_id,
    model_id,
    version_id,
    metadata_key,
    metadata_value,
    metadata_type
  FROM stage_model_metadata
  ORDER BY
    metadata_id,
    stage_row DESC ON CONFLICT(metadata_id) DO UPDATE SET model_id = EXCLUDED.model_id, version_id = EXCLUDED.version_id, metadata_key = EXCLUDED.metadata_key, metadata_value = EXCLUDED.metadata_value, metadata_type = EXCLUDED.metadata_type
  WHERE
    (
      target.model_id,
      target.version_id,
      target.metadata_key,
      target.metadata_value,
      target.metadata_type
    ) IS DISTINCT FROM (
      EXCLUDED.model_id,
      EXCLUDED.version_id,
      EXCLUDED.metadata_key,
      EXCLUDED.metadata_value,
      EXCLUDED.metadata_type
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        metadata_id
      FROM stage_model_metadata
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_deployments
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_deployments (
    LIKE model_deployments,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_deployments
COPY stage_model_deployments (
  deployment_id,
  model_id,
  version_id,
  deployment_name,
  deployment_environment,
  deployment_status,
  deployment_date,
  deployment_endpoint,
  instance_count,
  cpu,
  memory,
  gpu,
  auto_scaling_enabled,
  auto_scaling_min_instances,
  auto_scaling_max_instances,
  auto_scaling_target_cpu_utilization
)
FROM STDIN;

-- name: upsert_model_deployments
WITH upserted AS (
  INSERT INTO model_deployments AS target (
    deployment_id,
    model_id,
    version_id,
    deployment_name,
    deployment_environment,
    deployment_status,
    deployment_date,
    deployment_endpoint,
    instance_count,
    cpu,
    memory,
    gpu,
    auto_scaling_enabled,
    auto_scaling_min_instances,
    auto_scaling_max_instances,
    auto_scaling_target_cpu_utilization
  )
  SELECT DISTINCT ON (deployment_id)
    deployment_id,
    model_id,
    version_id,
    deployment_name,
    deployment_environment,
    deployment_status,
    deployment_date,
    deployment_endpoint,
    instance_count,
    cpu,
    memory,
    gpu,
    auto_scaling_enabled,
    auto_scaling_min_instances,
    auto_scaling_max_instances,
    auto_scaling_target_cpu_utilization
  FROM stage_model_deployments
  ORDER BY
    deployment_id,
    stage_row DESC ON CONFLICT(deployment_id) DO UPDATE SET model_id = EXCLUDED.model_id, version_id = EXCLUDED.version_id, deployment_name = EXCLUDED.deployment_name, deployment_environment = EXCLUDED.deployment_environment, deployment_status = EXCLUDED.deployment_status, deployment_date = EXCLUDED.deployment_date, deployment_endpoint = EXCLUDED.deployment_endpoint, instance_count = EXCLUDED.instance_count, cpu = EXCLUDED.cpu, memory = EXCLUDED.memory, gpu = EXCLUDED.gpu, auto_scaling_enabled = EXCLUDED.auto_scaling_enabled, auto_scaling_min_instances = EXCLUDED.auto_scaling_min_instances, auto_scaling_max_instances = EXCLUDED.auto_scaling_max_instances, auto_scaling_target_cpu_utilization = EXCLUDED.auto_scaling_target_cpu_utilization
  WHERE
    (
      target.model_id,
      target.version_id,
      target.deployment_name,
      target.deployment_environment,
      target.deployment_status,
      target.deployment_date,
      target.deployment_endpoint,
      target.instance_count,
      target.cpu,
      target.memory,
      target.gpu,
      target.auto_scaling_enabled,
      target.auto_scaling_min_instances,
      target.auto_scaling_max_instances,
      target.auto_scaling_target_cpu_utilization
    ) IS DISTINCT FROM (
      EXCLUDED.model_id,
      EXCLUDED.version_id,
      EXCLUDED.deployment_name,
      EXCLUDED.deployment_environment,
      EXCLUDED.deployment_status,
      EXCLUDED.deployment_date,
      EXCLUDED.deployment_endpoint,
      EXCLUDED.instance_count,
      EXCLUDED.cpu,
      EXCLUDED.memory,
      EXCLUDED.gpu,
      EXCLUDED.auto_scaling_enabled,
      EXCLUDED.auto_scaling_min_instances,
      EXCLUDED.auto_scaling_max_instances,
      EXCLUDED.auto_scaling_target_cpu_utilization
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        deployment_id
      FROM stage_model_deployments
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_apis
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_apis (
    LIKE model_apis,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_apis
COPY stage_model_apis (
  api_id,
  deployment_id,
  api_endpoint,
  api_version,
  api_method,
  request_schema,
  response_schema,
  api_documentation
)
FROM STDIN;

-- name: upsert_model_apis
WITH upserted AS (
  INSERT INTO model_apis AS target (
    api_id,
    deployment_id,
    api_endpoint,
    api_version,
    api_method,
    request_schema,
    response_schema,
    api_documentation
  )
  SELECT DISTINCT ON (api_id)
    api_id,
    deployment_id,
    api_endpoint,
    api_version,
    api_method,
    request_schema,
    response_schema,
    api_documentation
  FROM stage_model_apis
  ORDER BY
    api_id,
    stage_row DESC ON CONFLICT(api_id) DO UPDATE SET deployment_id = EXCLUDED.deployment_id, api_endpoint = EXCLUDED.api_endpoint, api_version = EXCLUDED.api_version, api_method = EXCLUDED.api_method, request_schema = EXCLUDED.request_schema, response_schema = EXCLUDED.response_schema, api_documentation = EXCLUDED.api_documentation
  WHERE
    (
      target.deployment_id,
      target.api_endpoint,
      target.api_version,
      target.api_method,
      target.request_schema,
      target.response_schema,
      target.api_documentation
    ) IS DISTINCT FROM (
      EXCLUDED.deployment_id,
      EXCLUDED.api_endpoint,
      EXCLUDED.api_version,
      EXCLUDED.api_method,
      EXCLUDED.request_schema,
      EXCLUDED.response_schema,
      EXCLUDED.api_documentation
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        api_id
      FROM stage_model_apis
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_monitoring
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_monitoring (
    LIKE model_monitoring,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_monitoring
COPY stage_model_monitoring (
  monitoring_id,
  deployment_id
)
FROM STDIN;

-- name: upsert_model_monitoring
WITH upserted AS (
  INSERT INTO model_monitoring AS target (
    monitoring_id,
    deployment_id
  )
  SELECT DISTINCT ON (monitoring_id)
    monitoring_id,
    deployment_id
  FROM stage_model_monitoring
  ORDER BY
    monitoring_id,
    stage_row DESC ON CONFLICT(monitoring_id) DO UPDATE SET deployment_id = EXCLUDED.deployment_id
  WHERE
    (
      target.deployment_id
    ) IS DISTINCT FROM (
      EXCLUDED.deployment_id
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        monitoring_id
      FROM stage_model_monitoring
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_monitoring_metrics
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_monitoring_metrics (
    LIKE model_monitoring_metrics,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_monitoring_metrics
COPY stage_model_monitoring_metrics (
  monitoring_id,
  metric_id,
  metric_name,
  metric_type,
  metric_value,
  metric_timestamp,
  threshold,
  alert_status
)
FROM STDIN;

-- name: upsert_model_monitoring_metrics
WITH upserted AS (
  INSERT INTO model_monitoring_metrics AS target (
    monitoring_id,
    metric_id,
    metric_name,
    metric_type,
    metric_value,
    metric_timestamp,
    threshold,
    alert_status
  )
  SELECT DISTINCT ON (metric_id)
    monitoring_id,
    COALESCE(metric_id, CAST(GEN_RANDOM_UUID() AS TEXT)) AS metric_id,
    metric_name,
    metric_type,
    metric_value,
    metric_timestamp,
    threshold,
    alert_status
  FROM stage_model_monitoring_metrics
  ORDER BY
    metric_id,
    stage_row DESC ON CONFLICT(metric_id) DO UPDATE SET monitoring_id = EXCLUDED.monitoring_id, metric_name = EXCLUDED.metric_name, metric_type = EXCLUDED.metric_type, metric_value = EXCLUDED.metric_value, metric_timestamp = EXCLUDED.metric_timestamp, threshold = EXCLUDED.threshold, alert_status = EXCLUDED.alert_status
  WHERE
    (
      target.monitoring_id,
      target.metric_name,
      target.metric_type,
      target.metric_value,
      target.metric_timestamp,
      target.threshold,
      target.alert_status
    ) IS DISTINCT FROM (
      EXCLUDED.monitoring_id,
      EXCLUDED.metric_name,
      EXCLUDED.metric_type,
      EXCLUDED.metric_value,
      EXCLUDED.metric_timestamp,
      EXCLUDED.threshold,
      EXCLUDED.alert_status
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        metric_id
      FROM stage_model_monitoring_metrics
    ) AS staged
  ) AS staged
FROM upserted;

-- name: stage_model_predictions
CREATE TEMPORARY TABLE IF NOT EXISTS stage_model_predictions (
    LIKE model_predictions,
    stage_row bigint GENERATED ALWAYS AS IDENTITY
) ON COMMIT DROP;

-- name: copy_model_predictions
COPY stage_model_predictions (
  monitoring_id,
  deployment_id,
  log_id,
  prediction_id,
  input_data,
  output_data,
  prediction_timestamp,
  latency_ms,
  error_occurred,
  error_message
)
FROM STDIN;

-- name: upsert_model_predictions
WITH upserted AS (
  INSERT INTO model_predictions AS target (
    monitoring_id,
    deployment_id,
    log_id,
    prediction_id,
    input_data,
    output_data,
    prediction_timestamp,
    latency_ms,
    error_occurred,
    error_message
  )
  SELECT DISTINCT ON (log_id)
    monitoring_id,
    deployment_id,
    log_id,
    prediction_id,
    input_data,
    output_data,
    prediction_timestamp,
    latency_ms,
    error_occurred,
    error_message
  FROM stage_model_predictions
  ORDER BY
    log_id,
    stage_row DESC ON CONFLICT(log_id) DO UPDATE SET monitoring_id = EXCLUDED.monitoring_id, deployment_id = EXCLUDED.deployment_id, prediction_id = EXCLUDED.prediction_id, input_data = EXCLUDED.input_data, output_data = EXCLUDED.output_data, prediction_timestamp = EXCLUDED.prediction_timestamp, latency_ms = EXCLUDED.latency_ms, error_occurred = EXCLUDED.error_occurred, error_message = EXCLUDED.error_message
  WHERE
    (
      target.monitoring_id,
      target.deployment_id,
      target.prediction_id,
      target.input_data,
      target.output_data,
      target.prediction_timestamp,
      target.latency_ms,
      target.error_occurred,
      target.error_message
    ) IS DISTINCT FROM (
      EXCLUDED.monitoring_id,
      EXCLUDED.deployment_id,
      EXCLUDED.prediction_id,
      EXCLUDED.input_data,
      EXCLUDED.output_data,
      EXCLUDED.prediction_timestamp,
      EXCLUDED.latency_ms,
      EXCLUDED.error_occurred,
      EXCLUDED.error_message
    )
  RETURNING (
    xmax = 0
  ) AS inserted
)
SELECT
  COUNT(*) FILTER(WHERE
    inserted) AS inserted,
  COUNT(*) FILTER(WHERE
    NOT inserted) AS updated,
  (
    SELECT
      COUNT(*)
    FROM (
      SELECT DISTINCT
        log_id
      FROM stage_model_predictions
    ) AS staged
  ) AS staged
FROM upserted;
