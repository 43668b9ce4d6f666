"""Export an mlspec document into an MLflow tracking store.

The export first checks the whole document against MLflow's limits and
stops, having written nothing, when any check fails. It then writes
experiments, runs (parents before their children), training definitions,
registered models and their versions through ``MlflowClient``.

Every entity carries its mlspec id in the ``mlspec.id`` tag. A second
export of the same document finds the entities it wrote the first time by
that tag and updates them instead of creating duplicates.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.errors import MlspecError
from mlspec.findings import Finding
from mlspec.mlflow import mapping
from mlspec.mlflow.checks import check_document
from mlspec.mlflow.report import ConversionReport
from mlspec.mlflow.run_writer import RunWriter, report_time_form
from mlspec.mlflow.runtime import mlflow_errors, require_mlflow, search_model_versions
from mlspec.spec import escape_pointer, join_pointer

log = logging.getLogger(__name__)

DEFAULT_TRAINING_EXPERIMENT = "mlspec-training-definitions"

# Entity lists that have no MLflow equivalent.
UNSUPPORTED_LISTS = (
    ("experiment_management", "experiment_comparisons"),
    ("model_training", "training_runs"),
    ("model_training", "training_metrics"),
    ("model_registry", "model_metadata"),
    ("model_serving", "model_deployments"),
    ("model_serving", "model_apis"),
    ("model_serving", "model_monitoring"),
)


class ExportError(MlspecError):
    """The document breaks MLflow's limits; nothing was written."""

    exit_code = 1

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        first = findings[0]
        super().__init__(
            f"{len(findings)} value(s) that MLflow would reject, nothing was written; "
            f"first: {first.pointer}: {first.message} [{first.rule}]"
        )


class ExportFailed(MlspecError):
    """MLflow raised an error while the export was writing."""

    exit_code = 1

    def __init__(self, tracking_uri: str, error: BaseException) -> None:
        message = " ".join(str(error).split()).rstrip(".")
        super().__init__(
            f"MLflow failed while exporting to {tracking_uri}: "
            f"{type(error).__name__}: {message}. Entities written before the failure "
            "stay in the store; export again after fixing the cause, which updates "
            "them instead of creating duplicates"
        )


@dataclass(frozen=True)
class ExportOptions:
    """Settings of one export."""

    tracking_uri: str
    registry_uri: str | None = None
    base_dir: Path = Path(".")
    artifact_root: str | None = None
    training_experiment: str = DEFAULT_TRAINING_EXPERIMENT


def export_document(
    document: dict[str, Any],
    tracking_uri: str,
    *,
    source: str = "<document>",
    base_dir: Path | None = None,
    registry_uri: str | None = None,
    artifact_root: str | None = None,
    training_experiment: str = DEFAULT_TRAINING_EXPERIMENT,
) -> ConversionReport:
    """Write ``document`` into the tracking store at ``tracking_uri``.

    ``base_dir`` is the folder that relative artifact paths are resolved
    against (the document's folder). Raises ``ExportError`` with the
    findings, before any write, when a value breaks MLflow's limits.
    """
    findings = check_document(document, source)
    if findings:
        raise ExportError(findings)

    mlflow = require_mlflow()
    options = ExportOptions(
        tracking_uri=tracking_uri,
        registry_uri=registry_uri or tracking_uri,
        base_dir=base_dir or Path("."),
        artifact_root=artifact_root or default_artifact_root(tracking_uri),
        training_experiment=training_experiment,
    )
    report = ConversionReport("export", source, tracking_uri, mlflow.__version__)
    try:
        _Exporter(options, report).export(document)
    except mlflow_errors() as error:
        raise ExportFailed(tracking_uri, error) from error
    log.info("exported %s to %s", source, tracking_uri)
    return report


def default_artifact_root(tracking_uri: str) -> str | None:
    """Return ``mlartifacts/`` beside a SQLite database, or None for MLflow's default.

    MLflow's own default for a database store is ``./mlruns`` in the current
    directory (MLflow 3.17.2), so artifacts would land wherever the command runs.
    """
    if not tracking_uri.startswith("sqlite:///"):
        return None
    # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
    database = Path.cwd() / tracking_uri.removeprefix("sqlite:///").split("?", 1)[0]
    return (database.parent / "mlartifacts").as_uri()


class _Exporter:
    """Writer of one document, which fills in the report's id map as it goes."""

    def __init__(self, options: ExportOptions, report: ConversionReport) -> None:
        from mlflow import MlflowClient

        self.options = options
        self.report = report
        self.client = MlflowClient(options.tracking_uri, options.registry_uri)
        self.experiments_by_tag = self._index_experiments()

    def export(self, document: dict[str, Any]) -> None:
        management = document.get("experiment_management") or {}
        for index, experiment in enumerate(management.get("experiments") or []):
            self.experiment(experiment, index)

        runs = management.get("runs") or []
        experiment_ids = self.report.id_map.get("experiments", {}).values()
        self.run_index = self._index_runs(experiment_ids)
        for index in _parents_first(runs):
            self.run(runs[index], index)

        training = document.get("model_training") or {}
        definitions = training.get("training_definitions") or []
        if definitions:
            self.training_definitions(definitions)

        registry = document.get("model_registry") or {}
        models = registry.get("registered_models") or []
        names = {model["model_id"]: model["model_name"] for model in models}
        for index, model in enumerate(models):
            self.registered_model(model, index)
        versions = registry.get("model_versions") or []
        order = sorted(range(len(versions)), key=lambda i: _version_key(versions[i]))
        for index in order:
            self.model_version(versions[index], index, names)

        self.report_unsupported(document)

    # Experiments.

    def _index_experiments(self) -> dict[str, Any]:
        from mlflow.entities import ViewType

        experiments = self.client.search_experiments(view_type=ViewType.ALL)
        return {
            experiment.tags[mapping.TAG_ID]: experiment
            for experiment in experiments
            if mapping.TAG_ID in experiment.tags
        }

    def experiment(self, experiment: dict[str, Any], index: int) -> None:
        pointer = join_pointer(("experiment_management", "experiments", index))
        mlspec_id = experiment["experiment_id"]
        tags = mapping.tags_to_mlflow(experiment.get("experiment_tags"))
        tags.update(_stored_fields(experiment, mlspec_id))
        tags.update(
            _optional_tags(
                {
                    mapping.TAG_NOTE: experiment.get("experiment_description"),
                    mapping.TAG_TAGS_FORM: mapping.tags_form(
                        experiment.get("experiment_tags")
                    ),
                }
            )
        )
        name = experiment["experiment_name"]
        existing = self._existing_experiment(mlspec_id, name, pointer)
        if existing is None:
            location = self._artifact_location(mlspec_id)
            new_id = self.client.create_experiment(name, location, tags)
        else:
            new_id = existing.experiment_id
            self._update_experiment(existing, name, tags)
        self.report.map_id("experiments", mlspec_id, new_id)
        self.report.count("experiments")

    def _existing_experiment(self, mlspec_id: str, name: str, pointer: str) -> Any:
        existing = self.experiments_by_tag.get(mlspec_id)
        if existing is None:
            existing = self.client.get_experiment_by_name(name)
            if existing is not None:
                reason = (
                    f"an experiment named {name!r} exists; it was reused and retagged"
                )
                self.report.change(pointer + "/experiment_name", reason)
        if existing is not None and existing.lifecycle_stage == "deleted":
            self.client.restore_experiment(existing.experiment_id)
            reason = (
                f"experiment {existing.experiment_id} was deleted and has been restored"
            )
            self.report.change(pointer, reason)
        return existing

    def _update_experiment(
        self, existing: Any, name: str, tags: dict[str, str]
    ) -> None:
        if existing.name != name:
            self.client.rename_experiment(existing.experiment_id, name)
        for key, value in tags.items():
            if existing.tags.get(key) != value:
                self.client.set_experiment_tag(existing.experiment_id, key, value)

    def _artifact_location(self, mlspec_id: str) -> str | None:
        if self.options.artifact_root is None:
            return None
        folder = hashlib.sha256(mlspec_id.encode()).hexdigest()[:16]
        return f"{self.options.artifact_root.rstrip('/')}/{folder}"

    # Runs.

    def _index_runs(self, experiment_ids: Any) -> dict[str, Any]:
        """Return the runs in ``experiment_ids`` that carry an mlspec id, by that id."""
        from mlflow.entities import ViewType

        ids = sorted(set(experiment_ids))
        if not ids:
            return {}
        index: dict[str, Any] = {}
        page_token = None
        while True:
            page = self.client.search_runs(
                ids, run_view_type=ViewType.ALL, max_results=1000, page_token=page_token
            )
            for run in page:
                if mapping.TAG_ID in run.data.tags:
                    index[run.data.tags[mapping.TAG_ID]] = run
            page_token = page.token
            if not page_token:
                return index

    def run(self, run: dict[str, Any], index: int) -> None:
        pointer = join_pointer(("experiment_management", "runs", index))
        experiment_id = self.report.mapped_id("experiments", run["experiment_id"])
        if experiment_id is None:
            reason = f"experiment {run['experiment_id']!r} is not in the document"
            self.report.drop(pointer, reason)
            return

        run_id = self._open_run(run, experiment_id, pointer)
        writer = RunWriter(self, run_id, run["run_id"], pointer)
        writer.parameters(run.get("parameters") or {})
        writer.metrics(run.get("metrics"), _default_point_time(run))
        writer.artifacts(run.get("artifacts") or [])
        writer.tags(self._run_tags(run))
        writer.flush()
        self._close_run(run_id, run, pointer)
        self.report.map_id("runs", run["run_id"], run_id)
        self.report.count("runs")

    def _open_run(self, run: dict[str, Any], experiment_id: str, pointer: str) -> str:
        start = mapping.timestamp_to_ms(run["start_time"])
        existing = self.run_index.get(run["run_id"])
        if existing is not None:
            if existing.info.start_time != start:
                reason = (
                    "MLflow cannot change a run's start time; the earlier one stays"
                )
                self.report.drop(pointer + "/start_time", reason)
            return existing.info.run_id
        created = self.client.create_run(
            experiment_id, start_time=start, run_name=run["run_name"] or None
        )
        return created.info.run_id

    def _run_tags(self, run: dict[str, Any]) -> dict[str, str]:
        tags = mapping.tags_to_mlflow(run.get("tags"))
        tags[mapping.TAG_ID] = run["run_id"]
        tags[mapping.TAG_RUN_NAME] = run["run_name"]
        form = mapping.tags_form(run.get("tags"))
        if form:
            tags[mapping.TAG_TAGS_FORM] = form
        parent = run.get("parent_run_id")
        if parent is not None:
            parent_id = self.report.mapped_id("runs", parent)
            # Parents are exported first, and the checks reject missing ones.
            assert parent_id is not None
            tags[mapping.TAG_PARENT_RUN] = parent_id
        return tags

    def _close_run(self, run_id: str, run: dict[str, Any], pointer: str) -> None:
        status = mapping.RUN_STATUS_TO_MLFLOW[run.get("run_status", "Running")]
        report_time_form(self.report, pointer + "/start_time", run["start_time"])
        end_time = run.get("end_time")
        if end_time is None:
            self.client.update_run(run_id, status=status)
            return
        end_ms = mapping.timestamp_to_ms(end_time)
        if end_ms == 0:
            # MLflow's set_terminated reads end_time 0 as "now".
            end_ms = 1
            self.report.change(pointer + "/end_time", "epoch 0 is written as 1 ms")
        self.client.set_terminated(run_id, status, end_ms)
        report_time_form(self.report, pointer + "/end_time", end_time)

    # Training definitions.

    def training_definitions(self, definitions: list[dict[str, Any]]) -> None:
        experiment_id = self._training_experiment()
        self.run_index.update(self._index_runs([experiment_id]))
        for index, definition in enumerate(definitions):
            self.training_definition(definition, index, experiment_id)

    def _training_experiment(self) -> str:
        name = self.options.training_experiment
        existing = self.client.get_experiment_by_name(name)
        tags = {mapping.TAG_KIND: mapping.KIND_TRAINING_EXPERIMENT}
        if existing is not None:
            if existing.lifecycle_stage == "deleted":
                self.client.restore_experiment(existing.experiment_id)
            self.client.set_experiment_tag(
                existing.experiment_id, mapping.TAG_KIND, tags[mapping.TAG_KIND]
            )
            return existing.experiment_id
        return self.client.create_experiment(name, self._artifact_location(name), tags)

    def training_definition(
        self, definition: dict[str, Any], index: int, experiment_id: str
    ) -> None:
        pointer = join_pointer(("model_training", "training_definitions", index))
        mlspec_id = definition["definition_id"]
        existing = self.run_index.get(mlspec_id)
        if existing is None:
            name = definition["definition_name"]
            run_id = self.client.create_run(experiment_id, run_name=name).info.run_id
        else:
            run_id = existing.info.run_id

        parameters: dict[str, str] = {}
        for section in ("model_architecture", "training_config", "data_config"):
            if section in definition:
                parameters.update(mapping.flatten(definition[section], section))
        tags = {
            mapping.TAG_ID: mlspec_id,
            mapping.TAG_KIND: mapping.KIND_TRAINING_DEFINITION,
            mapping.TAG_RUN_NAME: definition["definition_name"],
        }
        encoded = mapping.encode_json_tag(definition)
        if len(encoded) <= mapping.MAX_TAG_VALUE_LENGTH:
            tags[mapping.TAG_DEFINITION] = encoded
        else:
            reason = (
                f"the definition is {len(encoded)} characters as JSON, "
                "more than an MLflow "
                "tag holds, so only its flattened parameters were written"
            )
            self.report.change(pointer, reason)

        writer = RunWriter(self, run_id, mlspec_id, pointer)
        writer.parameters(parameters, typed=False)
        writer.tags(tags)
        writer.flush()
        self.client.update_run(run_id, status="FINISHED")
        self.report.map_id("training_definitions", mlspec_id, run_id)
        self.report.count("training definitions")

    # Registry.

    def registered_model(self, model: dict[str, Any], index: int) -> None:
        from mlflow.exceptions import MlflowException

        name = model["model_name"]
        tags = mapping.tags_to_mlflow(model.get("model_tags"))
        tags.update(_stored_fields(model, model["model_id"]))
        form = mapping.tags_form(model.get("model_tags"))
        if form:
            tags[mapping.TAG_TAGS_FORM] = form
        description = model.get("model_description")
        try:
            existing = self.client.get_registered_model(name)
        except MlflowException:
            existing = None
        if existing is None:
            self.client.create_registered_model(name, tags, description)
        else:
            if (existing.description or None) != description:
                self.client.update_registered_model(name, description or "")
            for key, value in tags.items():
                if existing.tags.get(key) != value:
                    self.client.set_registered_model_tag(name, key, value)
        self.report.map_id("registered_models", model["model_id"], name)
        self.report.count("registered models")

    def model_version(self, version: dict[str, Any], index: int, names: dict) -> None:
        pointer = join_pointer(("model_registry", "model_versions", index))
        name = names.get(version["model_id"])
        if name is None:
            self.report.drop(
                pointer, f"model {version['model_id']!r} is not in the document"
            )
            return

        number = self._find_version(name, version["version_id"])
        if number is None:
            number = self._create_version(name, version, pointer)
        self._set_stage(name, number, version.get("version_stage", "None"))
        for alias in version.get("aliases") or []:
            self.client.set_registered_model_alias(name, alias, number)
        self.report.map_id("model_versions", version["version_id"], f"{name}/{number}")
        self.report.count("model versions")

    def _find_version(self, name: str, mlspec_id: str) -> str | None:
        for existing in search_model_versions(self.client, name):
            if existing.tags.get(mapping.TAG_ID) == mlspec_id:
                return str(existing.version)
        return None

    def _create_version(self, name: str, version: dict[str, Any], pointer: str) -> str:
        run_id = self.report.mapped_id("runs", version["run_id"])
        if run_id is None:
            reason = (
                f"run {version['run_id']!r} was not exported, "
                "so the version has no run link"
            )
            self.report.drop(pointer + "/run_id", reason)
        source = _map_run_uri(version["model_uri"], version["run_id"], run_id)
        tags = _stored_fields(version, version["version_id"])
        tags[mapping.TAG_MODEL_FORMAT] = version["model_format"]
        created = self.client.create_model_version(
            name, source, run_id, tags, description=version.get("version_description")
        )
        number = str(created.version)
        if int(number) != version["version_number"]:
            reason = (
                f"MLflow numbers versions itself: version {version['version_number']} "
                f"became version {number}"
            )
            self.report.change(pointer + "/version_number", reason)
        return number

    def _set_stage(self, name: str, number: str, stage: str) -> None:
        current = self.client.get_model_version(name, number).current_stage
        if current == stage:
            return
        # MLflow 2.9.0 deprecated stages but still stores them, and the
        # deprecation warning gives mlspec users nothing to act on.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            self.client.transition_model_version_stage(name, number, stage)

    # Everything else.

    def report_unsupported(self, document: dict[str, Any]) -> None:
        for section, list_name in UNSUPPORTED_LISTS:
            entities = (document.get(section) or {}).get(list_name) or []
            for index in range(len(entities)):
                pointer = join_pointer((section, list_name, index))
                self.report.drop(pointer, f"MLflow has no equivalent of {list_name}")
        dropped = self.report.pointers()
        for pointer in _extension_fields(document, ""):
            if not any(pointer.startswith(entity + "/") for entity in dropped):
                self.report.drop(pointer, "extension fields (x-...) are not exported")


def _extension_fields(node: Any, pointer: str) -> Iterator[str]:
    """Yield the pointer of every ``x-`` field in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{pointer}/{escape_pointer(str(key))}"
            if str(key).startswith("x-"):
                yield child
            else:
                yield from _extension_fields(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _extension_fields(value, f"{pointer}/{index}")


def _default_point_time(run: dict[str, Any]) -> int:
    """Return the time of a point without a timestamp: end_time, else start_time."""
    return mapping.timestamp_to_ms(run.get("end_time") or run["start_time"])


def _stored_fields(entity: dict[str, Any], mlspec_id: str) -> dict[str, str]:
    """Return the ``mlspec.*`` tags for fields that MLflow sets itself or lacks."""
    return _optional_tags(
        {
            mapping.TAG_ID: mlspec_id,
            mapping.TAG_CREATED_BY: entity.get("created_by"),
            mapping.TAG_CREATED_AT: entity.get("created_at"),
            mapping.TAG_UPDATED_AT: entity.get("updated_at"),
        }
    )


def _optional_tags(tags: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in tags.items() if value is not None}


def _parents_first(runs: list[dict[str, Any]]) -> list[int]:
    """Order run indices so that every parent comes before its children.

    The checks have already rejected missing parents and cycles.
    """
    index_of = {run["run_id"]: index for index, run in enumerate(runs)}
    order: list[int] = []
    placed: set[int] = set()

    def place(index: int) -> None:
        if index in placed:
            return
        parent = runs[index].get("parent_run_id")
        if parent is not None:
            place(index_of[parent])
        placed.add(index)
        order.append(index)

    for index in range(len(runs)):
        place(index)
    return order


def _version_key(version: dict[str, Any]) -> tuple[str, int]:
    return version["model_id"], version["version_number"]


def _map_run_uri(uri: str, old_run_id: str, new_run_id: str | None) -> str:
    """Rewrite ``runs:/<old id>/...`` to the run's new MLflow id."""
    prefix = f"runs:/{old_run_id}/"
    if new_run_id is not None and uri.startswith(prefix):
        return f"runs:/{new_run_id}/" + uri.removeprefix(prefix)
    return uri
