-- name: table_experiment_metadata
CREATE TABLE IF NOT EXISTS experiment_metadata (
  experiment_id TEXT NOT NULL,
  experiment_name TEXT NOT NULL,
  experiment_description TEXT,
  experiment_tags JSONB,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT experiment_metadata_pkey PRIMARY KEY (experiment_id)
);

COMMENT ON TABLE experiment_metadata IS 'A named group of runs that work on one problem.';

COMMENT ON COLUMN experiment_metadata.experiment_id IS 'Identifier of the experiment, unique in the document.';

COMMENT ON COLUMN experiment_metadata.experiment_name IS 'Name of the experiment.';

COMMENT ON COLUMN experiment_metadata.experiment_description IS 'What the experiment is about.';

COMMENT ON COLUMN experiment_metadata.experiment_tags IS 'Labels of the experiment.';

COMMENT ON COLUMN experiment_metadata.created_by IS 'User who created the experiment.';

COMMENT ON COLUMN experiment_metadata.created_at IS 'When the experiment was created.';

COMMENT ON COLUMN experiment_metadata.updated_at IS 'When the experiment was last changed.';

-- name: table_run_metadata
CREATE TABLE IF NOT EXISTS run_metadata (
    run_id text NOT NULL,
    experiment_id text NOT NULL,
    run_name text NOT NULL,
    run_status text DEFAULT 'Running',
    start_time timestamptz NOT NULL,
    end_time timestamptz,
    duration double precision,
    parent_run_id text,
    CONSTRAINT run_metadata_pkey PRIMARY KEY (run_id),
    CONSTRAINT run_metadata_experiment_id_fkey FOREIGN KEY (experiment_id)
        REFERENCES experiment_metadata (experiment_id) ON DELETE NO ACTION,
    CONSTRAINT run_metadata_parent_run_id_fkey FOREIGN KEY (parent_run_id)
        REFERENCES run_metadata (run_id) ON DELETE NO ACTION,
    CONSTRAINT run_metadata_run_status_check CHECK (run_status IN ('Running', 'Finished', 'Failed', 'Killed')),
    CONSTRAINT run_metadata_duration_check CHECK (duration >= 0)
);

-- name: index_run_metadata_experiment_id_idx
CREATE INDEX IF NOT EXISTS run_metadata_experiment_id_idx ON run_metadata(experiment_id);

-- name: index_run_metadata_parent_run_id_idx
CREATE INDEX IF NOT EXISTS run_metadata_parent_run_id_idx ON run_metadata(parent_run_id);

-- name: index_run_metadata_run_status_idx
CREATE INDEX IF NOT EXISTS run_metadata_run_status_idx ON run_metadata(run_status);

COMMENT ON TABLE run_metadata IS 'One execution of training or evaluation code inside an experiment, with its parameters, metrics, tags and artifacts.';

COMMENT ON COLUMN run_metadata.run_id IS 'Identifier of the run, unique in the document.';

COMMENT ON COLUMN run_metadata.experiment_id IS 'Experiment the run belongs to.';

COMMENT ON COLUMN run_metadata.run_name IS 'Name of the run. MLflow allows an empty name, so an empty string is accepted.';

COMMENT ON COLUMN run_metadata.run_status IS 'Lifecycle state of the run.';

COMMENT ON COLUMN run_metadata.start_time IS 'When the run started.';

COMMENT ON COLUMN run_metadata.end_time IS 'When the run ended; absent or null while it is running.';

COMMENT ON COLUMN run_metadata.duration IS 'Seconds between start_time and end_time.';

COMMENT ON COLUMN run_metadata.parent_run_id IS 'Run this run is nested in.';

-- name: table_run_parameters
CREATE TABLE IF NOT EXISTS run_parameters (
  parameter_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  parameter_name TEXT NOT NULL,
  parameter_value TEXT NOT NULL,
  CONSTRAINT run_parameters_pkey PRIMARY KEY (parameter_id),
  CONSTRAINT run_parameters_run_id_parameter_name_key UNIQUE (
    run_id,
    parameter_name
  ),
  CONSTRAINT run_parameters_run_id_fkey FOREIGN KEY (run_id) REFERENCES run_metadata (
    run_id
  ) ON DELETE CASCADE
);

COMMENT ON TABLE run_parameters IS 'Parameters as a map of name to value. Values are stored as strings; numbers and booleans are accepted and kept as written.';

COMMENT ON COLUMN run_parameters.parameter_id IS 'Derived id: PARAM-{run_id}-{parameter_name}.';

COMMENT ON COLUMN run_parameters.run_id IS 'Key of the run_metadata row this row belongs to.';

COMMENT ON COLUMN run_parameters.parameter_name IS 'The name of a parameter, metric or tag: 1 to 250 characters without control characters.';

COMMENT ON COLUMN run_parameters.parameter_value IS 'Value of a parameter.';

-- name: table_run_metrics
CREATE TABLE IF NOT EXISTS run_metrics (
  metric_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  metric_name TEXT NOT NULL,
  metric_value DOUBLE PRECISION NOT NULL,
  step BIGINT NOT NULL DEFAULT 0,
  metric_timestamp TIMESTAMPTZ NOT NULL,
  CONSTRAINT run_metrics_pkey PRIMARY KEY (metric_id),
  CONSTRAINT run_metrics_run_id_metric_name_step_metric_timestamp_key UNIQUE (
    run_id,
    metric_name,
    step,
    metric_timestamp
  ),
  CONSTRAINT run_metrics_run_id_fkey FOREIGN KEY (run_id) REFERENCES run_metadata (
    run_id
  ) ON DELETE CASCADE
);

COMMENT ON TABLE run_metrics IS 'Metrics, either as a map of name to latest value or as a history of points.';

COMMENT ON COLUMN run_metrics.metric_id IS 'Derived id: METRIC-{run_id}-{metric_name}-{hash}.';

COMMENT ON COLUMN run_metrics.run_id IS 'Key of the run_metadata row this row belongs to.';

COMMENT ON COLUMN run_metrics.metric_name IS 'Name of the metric.';

COMMENT ON COLUMN run_metrics.metric_value IS 'Value of the metric at this point.';

COMMENT ON COLUMN run_metrics.step IS 'Training step of the point.';

COMMENT ON COLUMN run_metrics.metric_timestamp IS 'When the value was recorded; the run''s end_time, else its start_time, when absent.';

-- name: table_run_tags
CREATE TABLE IF NOT EXISTS run_tags (
  run_id TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT,
  CONSTRAINT run_tags_pkey PRIMARY KEY (run_id, tag_key),
  CONSTRAINT run_tags_run_id_fkey FOREIGN KEY (run_id) REFERENCES run_metadata (
    run_id
  ) ON DELETE CASCADE
);

COMMENT ON TABLE run_tags IS 'Tags of the run.';

COMMENT ON COLUMN run_tags.run_id IS 'Key of the run_metadata row this row belongs to.';

COMMENT ON COLUMN run_tags.tag_key IS 'Tag key, or the label of a tag list.';

COMMENT ON COLUMN run_tags.tag_value IS 'Tag value; NULL for a label from a tag list.';

-- name: table_run_artifacts
CREATE TABLE IF NOT EXISTS run_artifacts (
    run_id text NOT NULL,
    artifact_id text NOT NULL,
    artifact_path text NOT NULL,
    artifact_type text NOT NULL,
    artifact_size bigint,
    CONSTRAINT run_artifacts_pkey PRIMARY KEY (artifact_id),
    CONSTRAINT run_artifacts_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES run_metadata (run_id) ON DELETE CASCADE,
    CONSTRAINT run_artifacts_artifact_type_check CHECK (artifact_type IN ('Model', 'Data', 'Code', 'Other')),
    CONSTRAINT run_artifacts_artifact_size_check CHECK (artifact_size >= 0)
);

-- name: index_run_artifacts_run_id_idx
CREATE INDEX IF NOT EXISTS run_artifacts_run_id_idx ON run_artifacts(run_id);

COMMENT ON TABLE run_artifacts IS 'Artifacts the run produced or used.';

COMMENT ON COLUMN run_artifacts.run_id IS 'Key of the run_metadata row this row belongs to.';

COMMENT ON COLUMN run_artifacts.artifact_id IS 'Identifier of the artifact, unique in the document.';

COMMENT ON COLUMN run_artifacts.artifact_path IS 'Path or URI of the artifact.';

COMMENT ON COLUMN run_artifacts.artifact_type IS 'Kind of artifact.';

COMMENT ON COLUMN run_artifacts.artifact_size IS 'Size in bytes.';

-- name: table_experiment_comparisons
CREATE TABLE IF NOT EXISTS experiment_comparisons (
  comparison_id TEXT NOT NULL,
  comparison_date TIMESTAMPTZ NOT NULL,
  comparison_metrics JSONB,
  best_experiment_id TEXT,
  comparison_summary TEXT,
  CONSTRAINT experiment_comparisons_pkey PRIMARY KEY (comparison_id),
  CONSTRAINT experiment_comparisons_best_experiment_id_fkey FOREIGN KEY (best_experiment_id) REFERENCES experiment_metadata (
    experiment_id
  ) ON DELETE NO ACTION
);

-- name: index_experiment_comparisons_best_experiment_id_idx
CREATE INDEX IF NOT EXISTS experiment_comparisons_best_experiment_id_idx ON experiment_comparisons(best_experiment_id);

COMMENT ON TABLE experiment_comparisons IS 'A comparison of two or more experiments by their metrics.';

COMMENT ON COLUMN experiment_comparisons.comparison_id IS 'Identifier of the comparison, unique in the document.';

COMMENT ON COLUMN experiment_comparisons.comparison_date IS 'When the comparison was made.';

COMMENT ON COLUMN experiment_comparisons.comparison_metrics IS 'Map of experiment id to a map of metric name to value.';

COMMENT ON COLUMN experiment_comparisons.best_experiment_id IS 'The best experiment by the primary metric; one of experiment_ids.';

COMMENT ON COLUMN experiment_comparisons.comparison_summary IS 'Conclusion of the comparison.';

-- name: table_experiment_comparison_members
CREATE TABLE IF NOT EXISTS experiment_comparison_members (
  comparison_id TEXT NOT NULL,
  experiment_id TEXT NOT NULL,
  CONSTRAINT experiment_comparison_members_pkey PRIMARY KEY (comparison_id, experiment_id),
  CONSTRAINT experiment_comparison_members_comparison_id_fkey FOREIGN KEY (comparison_id) REFERENCES experiment_comparisons (
    comparison_id
  ) ON DELETE CASCADE,
  CONSTRAINT experiment_comparison_members_experiment_id_fkey FOREIGN KEY (experiment_id) REFERENCES experiment_metadata (
    experiment_id
  ) ON DELETE NO ACTION
);

-- name: index_experiment_comparison_members_experiment_id_idx
CREATE INDEX IF NOT EXISTS experiment_comparison_members_experiment_id_idx ON experiment_comparison_members(experiment_id);

COMMENT ON TABLE experiment_comparison_members IS 'Experiments compared.';

COMMENT ON COLUMN experiment_comparison_members.comparison_id IS 'Key of the experiment_comparisons row this row belongs to.';

COMMENT ON COLUMN experiment_comparison_members.experiment_id IS 'An entity identifier. Any non-empty string of printable characters is accepted, so prefixed ids (EXP-00000001, EXP-20240115103000), MLflow''s 32-hex run ids and numeric experiment ids all validate. The strict prefixed patterns are an opt-in profile of the validator.';

-- name: table_training_definitions
CREATE TABLE IF NOT EXISTS training_definitions (
    definition_id text NOT NULL,
    definition_name text NOT NULL,
    model_type text,
    input_shape integer[],
    output_shape integer[],
    hidden_layers integer[],
    activation_functions text[],
    optimizer text DEFAULT 'Adam',
    loss_function text,
    batch_size integer DEFAULT 32,
    epochs integer DEFAULT 100,
    learning_rate double precision DEFAULT 0.001,
    validation_split double precision DEFAULT 0.2,
    early_stopping boolean DEFAULT false,
    training_data_path text,
    validation_data_path text,
    test_data_path text,
    data_preprocessing jsonb,
    CONSTRAINT training_definitions_pkey PRIMARY KEY (definition_id),
    CONSTRAINT training_definitions_model_type_check CHECK (model_type IN ('Neural_Network', 'Tree', 'SVM', 'Linear', 'Ensemble')),
    CONSTRAINT training_definitions_input_shape_check CHECK (-1 <= ALL (input_shape)),
    CONSTRAINT training_definitions_output_shape_check CHECK (-1 <= ALL (output_shape)),
    CONSTRAINT training_definitions_hidden_layers_check CHECK (1 <= ALL (hidden_layers)),
    CONSTRAINT training_definitions_optimizer_check CHECK (optimizer IN ('SGD', 'Adam', 'RMSprop', 'Adagrad')),
    CONSTRAINT training_definitions_batch_size_check CHECK (batch_size >= 1),
    CONSTRAINT training_definitions_batch_size_check1 CHECK (batch_size <= 10000),
    CONSTRAINT training_definitions_epochs_check CHECK (epochs >= 1),
    CONSTRAINT training_definitions_epochs_check1 CHECK (epochs <= 10000),
    CONSTRAINT training_definitions_learning_rate_check CHECK (learning_rate >= 0),
    CONSTRAINT training_definitions_learning_rate_check1 CHECK (learning_rate <= 1),
    CONSTRAINT training_definitions_validation_split_check CHECK (validation_split >= 0),
    CONSTRAINT training_definitions_validation_split_check1 CHECK (validation_split <= 1),
    CONSTRAINT training_definitions_model_architecture_check CHECK (num_nulls(model_type, input_shape, output_shape) IN (0, 3))
);

COMMENT ON TABLE training_definitions IS 'How a model is trained: its architecture, the training configuration and the data it reads.';

COMMENT ON COLUMN training_definitions.definition_id IS 'Identifier of the training definition, unique in the document.';

COMMENT ON COLUMN training_definitions.definition_name IS 'Name of the training definition.';

COMMENT ON COLUMN training_definitions.model_type IS 'Family of the model.';

COMMENT ON COLUMN training_definitions.input_shape IS 'Shape of one input.';

COMMENT ON COLUMN training_definitions.output_shape IS 'Shape of one output.';

COMMENT ON COLUMN training_definitions.hidden_layers IS 'Units of each hidden layer, input side first.';

COMMENT ON COLUMN training_definitions.activation_functions IS 'Activation function of each layer, such as relu or softmax.';

COMMENT ON COLUMN training_definitions.optimizer IS 'Optimisation algorithm.';

COMMENT ON COLUMN training_definitions.loss_function IS 'Loss function, such as cross_entropy.';

COMMENT ON COLUMN training_definitions.batch_size IS 'Examples per batch.';

COMMENT ON COLUMN training_definitions.epochs IS 'Passes over the training data.';

COMMENT ON COLUMN training_definitions.learning_rate IS 'Step size of the optimiser.';

COMMENT ON COLUMN training_definitions.validation_split IS 'Fraction of the training data held out for validation.';

COMMENT ON COLUMN training_definitions.early_stopping IS 'Whether training stops when the validation loss stops improving.';

COMMENT ON COLUMN training_definitions.training_data_path IS 'Path or URI of the training data.';

COMMENT ON COLUMN training_definitions.validation_data_path IS 'Path or URI of the validation data.';

COMMENT ON COLUMN training_definitions.test_data_path IS 'Path or URI of the test data.';

COMMENT ON COLUMN training_definitions.data_preprocessing IS 'Preprocessing steps, in any JSON form.';

-- name: table_training_runs
CREATE TABLE IF NOT EXISTS training_runs (
    run_id text NOT NULL,
    definition_id text NOT NULL,
    run_status text DEFAULT 'Pending',
    start_time timestamptz NOT NULL,
    end_time timestamptz,
    CONSTRAINT training_runs_pkey PRIMARY KEY (run_id),
    CONSTRAINT training_runs_definition_id_fkey FOREIGN KEY (definition_id)
        REFERENCES training_definitions (definition_id) ON DELETE NO ACTION,
    CONSTRAINT training_runs_run_status_check CHECK (run_status IN ('Pending', 'Running', 'Completed', 'Failed'))
);

-- name: index_training_runs_definition_id_idx
CREATE INDEX IF NOT EXISTS training_runs_definition_id_idx ON training_runs(definition_id);

-- name: index_training_runs_run_status_idx
CREATE INDEX IF NOT EXISTS training_runs_run_status_idx ON training_runs(run_status);

COMMENT ON TABLE training_runs IS 'One execution of a training definition, with its iterations.';

COMMENT ON COLUMN training_runs.run_id IS 'Identifier of the training run, unique among training runs.';

COMMENT ON COLUMN training_runs.definition_id IS 'Training definition that was executed.';

COMMENT ON COLUMN training_runs.run_status IS 'Lifecycle state of the training run.';

COMMENT ON COLUMN training_runs.start_time IS 'When the training run started.';

COMMENT ON COLUMN training_runs.end_time IS 'When the training run ended.';

-- name: table_training_iterations
CREATE TABLE IF NOT EXISTS training_iterations (
  run_id TEXT NOT NULL,
  iteration_id TEXT NOT NULL,
  iteration_number INT NOT NULL,
  epoch INT NOT NULL,
  batch INT NOT NULL,
  loss DOUBLE PRECISION NOT NULL,
  accuracy DOUBLE PRECISION,
  validation_loss DOUBLE PRECISION,
  validation_accuracy DOUBLE PRECISION,
  "timestamp" TIMESTAMPTZ NOT NULL,
  CONSTRAINT training_iterations_pkey PRIMARY KEY (run_id, iteration_id),
  CONSTRAINT training_iterations_run_id_fkey FOREIGN KEY (run_id) REFERENCES training_runs (
    run_id
  ) ON DELETE CASCADE,
  CONSTRAINT training_iterations_iteration_number_check CHECK (iteration_number >= 0),
  CONSTRAINT training_iterations_epoch_check CHECK (epoch >= 0),
  CONSTRAINT training_iterations_batch_check CHECK (batch >= 0)
);

COMMENT ON TABLE training_iterations IS 'Progress records, one per logged iteration.';

COMMENT ON COLUMN training_iterations.run_id IS 'Key of the training_runs row this row belongs to.';

COMMENT ON COLUMN training_iterations.iteration_id IS 'Identifier of the iteration, unique in its training run.';

COMMENT ON COLUMN training_iterations.iteration_number IS 'Position of the iteration in the run.';

COMMENT ON COLUMN training_iterations.epoch IS 'Epoch of the iteration.';

COMMENT ON COLUMN training_iterations.batch IS 'Batch within the epoch.';

COMMENT ON COLUMN training_iterations.loss IS 'Training loss.';

COMMENT ON COLUMN training_iterations.accuracy IS 'Training accuracy.';

COMMENT ON COLUMN training_iterations.validation_loss IS 'Validation loss.';

COMMENT ON COLUMN training_iterations.validation_accuracy IS 'Validation accuracy.';

COMMENT ON COLUMN training_iterations."timestamp" IS 'When the iteration ended.';

-- name: table_training_metrics
CREATE TABLE IF NOT EXISTS training_metrics (
    metric_id text NOT NULL,
    run_id text NOT NULL,
    metric_name text NOT NULL,
    metric_type text NOT NULL,
    metric_value double precision NOT NULL,
    metric_timestamp timestamptz NOT NULL,
    dataset_type text NOT NULL,
    CONSTRAINT training_metrics_pkey PRIMARY KEY (metric_id),
    CONSTRAINT training_metrics_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES training_runs (run_id) ON DELETE NO ACTION,
    CONSTRAINT training_metrics_metric_type_check CHECK (metric_type IN ('Loss', 'Accuracy', 'Precision', 'Recall', 'F1_Score', 'AUC')),
    CONSTRAINT training_metrics_dataset_type_check CHECK (dataset_type IN ('Training', 'Validation', 'Testing'))
);

-- name: index_training_metrics_run_id_idx
CREATE INDEX IF NOT EXISTS training_metrics_run_id_idx ON training_metrics(run_id);

COMMENT ON TABLE training_metrics IS 'A metric measured on one dataset split during a training run.';

COMMENT ON COLUMN training_metrics.metric_id IS 'Identifier of the metric, unique in the document.';

COMMENT ON COLUMN training_metrics.run_id IS 'Training run that produced the metric.';

COMMENT ON COLUMN training_metrics.metric_name IS 'Name of the metric.';

COMMENT ON COLUMN training_metrics.metric_type IS 'What the metric measures.';

COMMENT ON COLUMN training_metrics.metric_value IS 'Measured value.';

COMMENT ON COLUMN training_metrics.metric_timestamp IS 'When the value was measured.';

COMMENT ON COLUMN training_metrics.dataset_type IS 'Dataset split the metric was measured on.';

-- name: table_model_registry
CREATE TABLE IF NOT EXISTS model_registry (
  model_id TEXT NOT NULL,
  model_name TEXT NOT NULL,
  model_description TEXT,
  model_tags JSONB,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT model_registry_pkey PRIMARY KEY (model_id)
);

COMMENT ON TABLE model_registry IS 'A named model in the registry; its versions are ModelVersion entities.';

COMMENT ON COLUMN model_registry.model_id IS 'Identifier of the model, unique in the document.';

COMMENT ON COLUMN model_registry.model_name IS 'Name of the model.';

COMMENT ON COLUMN model_registry.model_description IS 'What the model does.';

COMMENT ON COLUMN model_registry.model_tags IS 'Tags of the model.';

COMMENT ON COLUMN model_registry.created_by IS 'User who registered the model.';

COMMENT ON COLUMN model_registry.created_at IS 'When the model was registered.';

COMMENT ON COLUMN model_registry.updated_at IS 'When the model was last changed.';

-- name: table_model_versions
CREATE TABLE IF NOT EXISTS model_versions (
    version_id text NOT NULL,
    model_id text NOT NULL,
    version_number integer NOT NULL,
    version_stage text DEFAULT 'None',
    version_description text,
    run_id text NOT NULL,
    model_uri text NOT NULL,
    model_format text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by text NOT NULL,
    CONSTRAINT model_versions_pkey PRIMARY KEY (version_id),
    CONSTRAINT model_versions_model_id_version_number_key UNIQUE (model_id, version_number),
    CONSTRAINT model_versions_model_id_fkey FOREIGN KEY (model_id)
        REFERENCES model_registry (model_id) ON DELETE NO ACTION,
    CONSTRAINT model_versions_version_number_check CHECK (version_number >= 1),
    CONSTRAINT model_versions_version_stage_check CHECK (version_stage IN ('None', 'Staging', 'Production', 'Archived')),
    CONSTRAINT model_versions_model_format_check CHECK (model_format IN ('MLflow', 'ONNX', 'TensorFlow', 'PyTorch', 'Scikit_Learn'))
);

-- name: index_model_versions_version_stage_idx
CREATE INDEX IF NOT EXISTS model_versions_version_stage_idx ON model_versions(version_stage);

-- name: index_model_versions_run_id_idx
CREATE INDEX IF NOT EXISTS model_versions_run_id_idx ON model_versions(run_id);

COMMENT ON TABLE model_versions IS 'One numbered version of a registered model, produced by a run.';

COMMENT ON COLUMN model_versions.version_id IS 'Identifier of the version, unique in the document.';

COMMENT ON COLUMN model_versions.model_id IS 'Registered model this is a version of.';

COMMENT ON COLUMN model_versions.version_number IS 'Version number, unique per model.';

COMMENT ON COLUMN model_versions.version_stage IS 'Registry stage of the version. "None" is the string None, not null.';

COMMENT ON COLUMN model_versions.version_description IS 'What changed in this version.';

COMMENT ON COLUMN model_versions.run_id IS 'Run that produced the version: an experiment run or a training run.';

COMMENT ON COLUMN model_versions.model_uri IS 'Where the model files are, such as runs:/<run_id>/model or s3://bucket/model.';

COMMENT ON COLUMN model_versions.model_format IS 'Serialisation format of the model files.';

COMMENT ON COLUMN model_versions.created_at IS 'When the version was registered.';

COMMENT ON COLUMN model_versions.created_by IS 'User who registered the version.';

-- name: table_model_version_aliases
CREATE TABLE IF NOT EXISTS model_version_aliases (
  version_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  CONSTRAINT model_version_aliases_pkey PRIMARY KEY (model_id, alias),
  CONSTRAINT model_version_aliases_version_id_fkey FOREIGN KEY (version_id) REFERENCES model_versions (
    version_id
  ) ON DELETE CASCADE,
  CONSTRAINT model_version_aliases_model_id_fkey FOREIGN KEY (model_id) REFERENCES model_registry (
    model_id
  ) ON DELETE NO ACTION
);

-- name: index_model_version_aliases_version_id_idx
CREATE INDEX IF NOT EXISTS model_version_aliases_version_id_idx ON model_version_aliases(version_id);

COMMENT ON TABLE model_version_aliases IS 'Aliases of this version, such as champion. An alias names at most one version of a model.';

COMMENT ON COLUMN model_version_aliases.version_id IS 'Key of the model_versions row this row belongs to.';

COMMENT ON COLUMN model_version_aliases.model_id IS 'Registered model this is a version of.';

-- name: table_model_metadata
CREATE TABLE IF NOT EXISTS model_metadata (
    metadata_id text NOT NULL,
    model_id text NOT NULL,
    version_id text,
    metadata_key text NOT NULL,
    metadata_value jsonb NOT NULL,
    metadata_type text NOT NULL,
    CONSTRAINT model_metadata_pkey PRIMARY KEY (metadata_id),
    CONSTRAINT model_metadata_model_id_fkey FOREIGN KEY (model_id)
        REFERENCES model_registry (model_id) ON DELETE NO ACTION,
    CONSTRAINT model_metadata_version_id_fkey FOREIGN KEY (version_id)
        REFERENCES model_versions (version_id) ON DELETE NO ACTION,
    CONSTRAINT model_metadata_metadata_type_check CHECK (metadata_type IN ('String', 'Number', 'Boolean', 'JSON'))
);

-- name: index_model_metadata_model_id_idx
CREATE INDEX IF NOT EXISTS model_metadata_model_id_idx ON model_metadata(model_id);

-- name: index_model_metadata_version_id_idx
CREATE INDEX IF NOT EXISTS model_metadata_version_id_idx ON model_metadata(version_id);

COMMENT ON TABLE model_metadata IS 'A typed key-value fact about a model or one of its versions.';

COMMENT ON COLUMN model_metadata.metadata_id IS 'Identifier of the entry, unique in the document.';

COMMENT ON COLUMN model_metadata.model_id IS 'Registered model the entry describes.';

COMMENT ON COLUMN model_metadata.version_id IS 'Version the entry describes; absent when it applies to the whole model.';

COMMENT ON COLUMN model_metadata.metadata_key IS 'Key of the entry.';

COMMENT ON COLUMN model_metadata.metadata_value IS 'Value of the entry; its JSON type must match metadata_type.';

COMMENT ON COLUMN model_metadata.metadata_type IS 'Type of metadata_value: String for a string, Number for a number, Boolean for true or false, JSON for any JSON value.';

-- name: table_model_deployments
CREATE TABLE IF NOT EXISTS model_deployments (
    deployment_id text NOT NULL,
    model_id text NOT NULL,
    version_id text NOT NULL,
    deployment_name text NOT NULL,
    deployment_environment text NOT NULL,
    deployment_status text DEFAULT 'Deploying',
    deployment_date timestamptz NOT NULL,
    deployment_endpoint text,
    instance_count integer DEFAULT 1,
    cpu text DEFAULT '1',
    memory text DEFAULT '1Gi',
    gpu integer,
    auto_scaling_enabled boolean DEFAULT false,
    auto_scaling_min_instances integer DEFAULT 1,
    auto_scaling_max_instances integer DEFAULT 10,
    auto_scaling_target_cpu_utilization double precision DEFAULT 70,
    CONSTRAINT model_deployments_pkey PRIMARY KEY (deployment_id),
    CONSTRAINT model_deployments_model_id_fkey FOREIGN KEY (model_id)
        REFERENCES model_registry (model_id) ON DELETE NO ACTION,
    CONSTRAINT model_deployments_version_id_fkey FOREIGN KEY (version_id)
        REFERENCES model_versions (version_id) ON DELETE NO ACTION,
    CONSTRAINT model_deployments_deployment_environment_check CHECK (deployment_environment IN ('Development', 'Staging', 'Production')),
    CONSTRAINT model_deployments_deployment_status_check CHECK (deployment_status IN ('Deploying', 'Active', 'Inactive', 'Failed')),
    CONSTRAINT model_deployments_instance_count_check CHECK (instance_count >= 0),
    CONSTRAINT model_deployments_gpu_check CHECK (gpu >= 0),
    CONSTRAINT model_deployments_auto_scaling_min_instances_check CHECK (auto_scaling_min_instances >= 0),
    CONSTRAINT model_deployments_auto_scaling_max_instances_check CHECK (auto_scaling_max_instances >= 1),
    CONSTRAINT model_deployments_auto_scaling_target_cpu_utilization_check CHECK (auto_scaling_target_cpu_utilization >= 0),
    CONSTRAINT model_deployments_auto_scaling_target_cpu_utilization_check1 CHECK (auto_scaling_target_cpu_utilization <= 100)
);

-- name: index_model_deployments_model_id_idx
CREATE INDEX IF NOT EXISTS model_deployments_model_id_idx ON model_deployments(model_id);

-- name: index_model_deployments_version_id_idx
CREATE INDEX IF NOT EXISTS model_deployments_version_id_idx ON model_deployments(version_id);

-- name: index_model_deployments_deployment_status_idx
CREATE INDEX IF NOT EXISTS model_deployments_deployment_status_idx ON model_deployments(deployment_status);

COMMENT ON TABLE model_deployments IS 'A model version running in an environment behind an endpoint.';

COMMENT ON COLUMN model_deployments.deployment_id IS 'Identifier of the deployment, unique in the document.';

COMMENT ON COLUMN model_deployments.model_id IS 'Registered model deployed; must be the model of version_id.';

COMMENT ON COLUMN model_deployments.version_id IS 'Model version deployed.';

COMMENT ON COLUMN model_deployments.deployment_name IS 'Name of the deployment.';

COMMENT ON COLUMN model_deployments.deployment_environment IS 'Environment the deployment runs in.';

COMMENT ON COLUMN model_deployments.deployment_status IS 'Lifecycle state of the deployment.';

COMMENT ON COLUMN model_deployments.deployment_date IS 'When the deployment was made.';

COMMENT ON COLUMN model_deployments.deployment_endpoint IS 'URL the deployment serves on.';

COMMENT ON COLUMN model_deployments.instance_count IS 'Number of serving instances.';

COMMENT ON COLUMN model_deployments.cpu IS 'CPU cores, such as 1, 0.5 or 500m.';

COMMENT ON COLUMN model_deployments.memory IS 'Memory, such as 512Mi or 1Gi.';

COMMENT ON COLUMN model_deployments.gpu IS 'Number of GPUs.';

COMMENT ON COLUMN model_deployments.auto_scaling_enabled IS 'Whether autoscaling is on.';

COMMENT ON COLUMN model_deployments.auto_scaling_min_instances IS 'Fewest instances.';

COMMENT ON COLUMN model_deployments.auto_scaling_max_instances IS 'Most instances.';

COMMENT ON COLUMN model_deployments.auto_scaling_target_cpu_utilization IS 'CPU utilisation in percent that the autoscaler aims for.';

-- name: table_model_apis
CREATE TABLE IF NOT EXISTS model_apis (
    api_id text NOT NULL,
    deployment_id text NOT NULL,
    api_endpoint text NOT NULL,
    api_version text DEFAULT 'v1',
    api_method text DEFAULT 'POST',
    request_schema jsonb NOT NULL,
    response_schema jsonb NOT NULL,
    api_documentation text,
    CONSTRAINT model_apis_pkey PRIMARY KEY (api_id),
    CONSTRAINT model_apis_deployment_id_fkey FOREIGN KEY (deployment_id)
        REFERENCES model_deployments (deployment_id) ON DELETE NO ACTION,
    CONSTRAINT model_apis_api_method_check CHECK (api_method IN ('POST', 'GET'))
);

-- name: index_model_apis_deployment_id_idx
CREATE INDEX IF NOT EXISTS model_apis_deployment_id_idx ON model_apis(deployment_id);

COMMENT ON TABLE model_apis IS 'The prediction API a deployment serves, with its request and response schemas.';

COMMENT ON COLUMN model_apis.api_id IS 'Identifier of the API, unique in the document.';

COMMENT ON COLUMN model_apis.deployment_id IS 'Deployment that serves the API.';

COMMENT ON COLUMN model_apis.api_endpoint IS 'Path or URL of the endpoint, such as /v1/predict.';

COMMENT ON COLUMN model_apis.api_version IS 'Version of the API.';

COMMENT ON COLUMN model_apis.api_method IS 'HTTP method of the endpoint.';

COMMENT ON COLUMN model_apis.request_schema IS 'JSON Schema of the request body.';

COMMENT ON COLUMN model_apis.response_schema IS 'JSON Schema of the response body.';

COMMENT ON COLUMN model_apis.api_documentation IS 'Documentation of the API, or a link to it.';

-- name: table_model_monitoring
CREATE TABLE IF NOT EXISTS model_monitoring (
  monitoring_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL,
  CONSTRAINT model_monitoring_pkey PRIMARY KEY (monitoring_id),
  CONSTRAINT model_monitoring_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES model_deployments (
    deployment_id
  ) ON DELETE NO ACTION
);

-- name: index_model_monitoring_deployment_id_idx
CREATE INDEX IF NOT EXISTS model_monitoring_deployment_id_idx ON model_monitoring(deployment_id);

COMMENT ON TABLE model_monitoring IS 'Monitoring of one deployment: its measurements and prediction logs.';

COMMENT ON COLUMN model_monitoring.monitoring_id IS 'Identifier of the monitoring entry, unique in the document.';

COMMENT ON COLUMN model_monitoring.deployment_id IS 'Deployment that is monitored.';

-- name: table_model_monitoring_metrics
CREATE TABLE IF NOT EXISTS model_monitoring_metrics (
    monitoring_id text NOT NULL,
    metric_id text NOT NULL DEFAULT gen_random_uuid()::text,
    metric_name text NOT NULL,
    metric_type text NOT NULL,
    metric_value double precision NOT NULL,
    metric_timestamp timestamptz NOT NULL,
    threshold double precision,
    alert_status text DEFAULT 'Normal',
    CONSTRAINT model_monitoring_metrics_pkey PRIMARY KEY (metric_id),
    CONSTRAINT model_monitoring_metrics_monitoring_id_fkey FOREIGN KEY (monitoring_id)
        REFERENCES model_monitoring (monitoring_id) ON DELETE CASCADE,
    CONSTRAINT model_monitoring_metrics_metric_type_check CHECK (metric_type IN ('Prediction_Count', 'Latency', 'Throughput', 'Error_Rate', 'Drift_Score')),
    CONSTRAINT model_monitoring_metrics_alert_status_check CHECK (alert_status IN ('Normal', 'Warning', 'Critical'))
);

-- name: index_model_monitoring_metrics_monitoring_id_idx
CREATE INDEX IF NOT EXISTS model_monitoring_metrics_monitoring_id_idx ON model_monitoring_metrics(monitoring_id);

-- name: index_model_monitoring_metrics_metric_timestamp_idx
CREATE INDEX IF NOT EXISTS model_monitoring_metrics_metric_timestamp_idx ON model_monitoring_metrics(metric_timestamp);

COMMENT ON TABLE model_monitoring_metrics IS 'Measurements of the deployment.';

COMMENT ON COLUMN model_monitoring_metrics.monitoring_id IS 'Key of the model_monitoring row this row belongs to.';

COMMENT ON COLUMN model_monitoring_metrics.metric_id IS 'Identifier of the measurement, unique among monitoring metrics.';

COMMENT ON COLUMN model_monitoring_metrics.metric_name IS 'Name of the metric.';

COMMENT ON COLUMN model_monitoring_metrics.metric_type IS 'What the metric measures.';

COMMENT ON COLUMN model_monitoring_metrics.metric_value IS 'Measured value.';

COMMENT ON COLUMN model_monitoring_metrics.metric_timestamp IS 'When the value was measured.';

COMMENT ON COLUMN model_monitoring_metrics.threshold IS 'Value at which an alert is raised.';

COMMENT ON COLUMN model_monitoring_metrics.alert_status IS 'Alert state of the measurement.';

-- name: table_model_predictions
CREATE TABLE IF NOT EXISTS model_predictions (
  monitoring_id TEXT,
  deployment_id TEXT NOT NULL,
  log_id TEXT NOT NULL,
  prediction_id TEXT NOT NULL,
  input_data JSONB NOT NULL,
  output_data JSONB NOT NULL,
  prediction_timestamp TIMESTAMPTZ NOT NULL,
  latency_ms INT NOT NULL,
  error_occurred BOOLEAN DEFAULT FALSE,
  error_message TEXT,
  CONSTRAINT model_predictions_pkey PRIMARY KEY (log_id),
  CONSTRAINT model_predictions_monitoring_id_fkey FOREIGN KEY (monitoring_id) REFERENCES model_monitoring (
    monitoring_id
  ) ON DELETE SET NULL,
  CONSTRAINT model_predictions_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES model_deployments (
    deployment_id
  ) ON DELETE NO ACTION,
  CONSTRAINT model_predictions_latency_ms_check CHECK (latency_ms >= 0)
);

-- name: index_model_predictions_monitoring_id_idx
CREATE INDEX IF NOT EXISTS model_predictions_monitoring_id_idx ON model_predictions(monitoring_id);

-- name: index_model_predictions_deployment_id_idx
CREATE INDEX IF NOT EXISTS model_predictions_deployment_id_idx ON model_predictions(deployment_id);

-- name: index_model_predictions_deployment_id_prediction_timestamp_idx
CREATE INDEX IF NOT EXISTS model_predictions_deployment_id_prediction_timestamp_idx ON model_predictions(deployment_id, prediction_timestamp);

COMMENT ON TABLE model_predictions IS 'Predictions the deployment served.';

COMMENT ON COLUMN model_predictions.monitoring_id IS 'Key of the model_monitoring row this row belongs to.';

COMMENT ON COLUMN model_predictions.deployment_id IS 'Deployment that is monitored.';

COMMENT ON COLUMN model_predictions.log_id IS 'Identifier of the log entry, unique among prediction logs.';

COMMENT ON COLUMN model_predictions.prediction_id IS 'Identifier of the prediction request.';

COMMENT ON COLUMN model_predictions.input_data IS 'Request body.';

COMMENT ON COLUMN model_predictions.output_data IS 'Response body.';

COMMENT ON COLUMN model_predictions.prediction_timestamp IS 'When the prediction was served.';

COMMENT ON COLUMN model_predictions.latency_ms IS 'Time to serve the prediction, in milliseconds.';

COMMENT ON COLUMN model_predictions.error_occurred IS 'Whether serving the prediction failed.';

COMMENT ON COLUMN model_predictions.error_message IS 'Error text when error_occurred is true.';
