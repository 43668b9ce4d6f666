"""Import an MLflow tracking store into an mlspec document.

The source is a database tracking URI (``sqlite:///...``) or an
``mlruns/`` folder. A folder or a SQLite database is read from a scratch
copy (see ``store_copy``), so it is never written to. Everything the
document cannot hold, and every value the importer had to make up or
repair, gets a line in the report.
"""

from __future__ import annotations

import logging
from typing import Any

from mlspec.errors import InputError, UsageError
from mlspec.mlflow import mapping
from mlspec.mlflow.importer_runs import RunReader
from mlspec.mlflow.report import ConversionReport
from mlspec.mlflow.runtime import (
    mlflow_errors,
    require_mlflow,
    search_model_versions,
)
from mlspec.mlflow.store_copy import StoreCopy, open_store
from mlspec.spec import SPEC_VERSION, join_pointer

log = logging.getLogger(__name__)

# MLflow fields without an mlspec field, reported once per entity list.
UNMAPPED_FIELDS = {
    "/experiment_management/experiments": (
        "MLflow's artifact_location of experiments has no mlspec field"
    ),
    "/experiment_management/runs": (
        "MLflow's artifact_uri and user_id of runs have no mlspec field; "
        "the user stays in the mlflow.user tag where a run has one"
    ),
    "/model_registry/model_versions": (
        "MLflow's status, status_message, run_link and storage_location of "
        "model versions have no mlspec field"
    ),
}


def import_store(
    source: str,
    *,
    experiments: list[str] | None = None,
    include_deleted: bool = False,
) -> tuple[dict[str, Any], ConversionReport]:
    """Read the tracking store at ``source`` and return the document and the report.

    ``experiments`` limits the import to experiments with these names.
    Deleted experiments and runs are skipped (and reported) unless
    ``include_deleted`` is set.
    """
    mlflow = require_mlflow()
    report = ConversionReport("import", source, "document", mlflow.__version__)
    with open_store(source) as store:
        try:
            document = _StoreReader(store, report, experiments, include_deleted).read()
        except mlflow_errors() as error:
            message = " ".join(str(error).split())
            raise InputError(
                f"MLflow {mlflow.__version__} could not read {source}: "
                f"{type(error).__name__}: {message}"
            ) from error
    log.info("imported %s with MLflow %s", source, mlflow.__version__)
    return document, report


class _StoreReader:
    """Reads one store into a document."""

    def __init__(
        self,
        store: StoreCopy,
        report: ConversionReport,
        names: list[str] | None,
        include_deleted: bool,
    ) -> None:
        from mlflow import MlflowClient

        self.store = store
        self.report = report
        self.names = names
        self.include_deleted = include_deleted
        self.client = MlflowClient(store.tracking_uri, store.tracking_uri)

    def read(self) -> dict[str, Any]:
        experiments, definition_experiments = self._select_experiments()
        runs_reader = RunReader(
            self.client, self.store, self.report, self.include_deleted
        )
        experiment_ids = [experiment.experiment_id for experiment in experiments]
        runs, definitions = runs_reader.read(experiment_ids + definition_experiments)
        first_runs = runs_reader.earliest_by_experiment(runs)

        document: dict[str, Any] = {"spec_version": SPEC_VERSION}
        management: dict[str, Any] = {}
        if experiments:
            management["experiments"] = [
                self.experiment(
                    experiment, index, first_runs.get(experiment.experiment_id)
                )
                for index, experiment in enumerate(experiments)
            ]
        if runs:
            management["runs"] = runs
        if management:
            document["experiment_management"] = management
        if definitions:
            document["model_training"] = {"training_definitions": definitions}

        registry = self.registry({run["run_id"] for run in runs}, runs_reader)
        if registry:
            document["model_registry"] = registry
        self._report_unmapped_fields(document)
        return document

    def _report_unmapped_fields(self, document: dict[str, Any]) -> None:
        """Report, once per entity list, the MLflow fields without an mlspec field."""
        for pointer, reason in UNMAPPED_FIELDS.items():
            section, list_name = pointer.strip("/").split("/")
            if document.get(section, {}).get(list_name):
                self.report.drop(pointer, reason)

    # Experiments.

    def _select_experiments(self) -> tuple[list[Any], list[str]]:
        """Return the experiments to import and the ids of training experiments."""
        from mlflow.entities import ViewType

        found: list[Any] = list(self.client.search_experiments(view_type=ViewType.ALL))
        found.sort(key=lambda experiment: _id_order(experiment.experiment_id))
        if self.names is not None:
            known = {experiment.name for experiment in found}
            unknown = sorted(set(self.names) - known)
            if unknown:
                raise UsageError(
                    f"no experiment named {', '.join(map(repr, unknown))} in the store"
                )
            found = [
                experiment for experiment in found if experiment.name in self.names
            ]

        selected, definition_ids = [], []
        for experiment in found:
            if (
                experiment.tags.get(mapping.TAG_KIND)
                == mapping.KIND_TRAINING_EXPERIMENT
            ):
                definition_ids.append(experiment.experiment_id)
            elif experiment.lifecycle_stage == "deleted" and not self.include_deleted:
                pointer = f"mlflow:experiments/{experiment.experiment_id}"
                reason = (
                    f"experiment {experiment.name!r} is deleted; use --include-deleted"
                )
                self.report.drop(pointer, reason)
            else:
                selected.append(experiment)
        return selected, definition_ids

    def experiment(
        self, experiment: Any, index: int, first_run: tuple[str, str] | None
    ) -> dict[str, Any]:
        pointer = join_pointer(("experiment_management", "experiments", index))
        tags = dict(experiment.tags)
        self._record_id("experiments", experiment.experiment_id, tags)
        entity: dict[str, Any] = {
            "experiment_id": experiment.experiment_id,
            "experiment_name": experiment.name,
        }
        description = tags.pop(mapping.TAG_NOTE, None)
        if description is not None:
            entity["experiment_description"] = description
        form = tags.get(mapping.TAG_TAGS_FORM)
        user_tags = _user_tags(tags)
        if user_tags:
            entity["experiment_tags"] = mapping.tags_from_mlflow(user_tags, form)
        entity["created_by"] = self._experiment_creator(tags, first_run, pointer)
        entity["created_at"] = self._experiment_created_at(
            experiment, first_run, pointer
        )
        updated = _updated_at(tags, experiment.last_update_time)
        if updated is not None:
            entity["updated_at"] = updated
        if experiment.lifecycle_stage == "deleted":
            entity["x-mlflow-lifecycle-stage"] = "deleted"
            self.report.change(
                pointer, "experiment is deleted in MLflow; imported on request"
            )
        self.report.count("experiments")
        return entity

    def _experiment_creator(
        self, tags: dict[str, str], first_run: tuple[str, str] | None, pointer: str
    ) -> str:
        for key in (mapping.TAG_CREATED_BY, mapping.TAG_USER):
            if tags.get(key):
                return tags[key]
        if first_run is not None and first_run[1]:
            return first_run[1]
        self.report.add(
            pointer + "/created_by", "MLflow records no creator; set to 'unknown'"
        )
        return "unknown"

    def _experiment_created_at(
        self, experiment: Any, first_run: tuple[str, str] | None, pointer: str
    ) -> str:
        stored = experiment.tags.get(mapping.TAG_CREATED_AT)
        if stored is not None:
            return stored
        if experiment.creation_time:
            return mapping.ms_to_timestamp(experiment.creation_time)
        if first_run is not None:
            reason = (
                "MLflow recorded no creation time; "
                "the earliest run's start_time is used"
            )
            self.report.add(pointer + "/created_at", reason)
            return first_run[0]
        reason = (
            "MLflow recorded no creation time and the experiment has no runs; "
            "epoch 0 is used"
        )
        self.report.add(pointer + "/created_at", reason)
        return mapping.ms_to_timestamp(0)

    def _record_id(self, list_name: str, mlflow_id: str, tags: dict[str, str]) -> None:
        if mapping.TAG_ID in tags:
            self.report.map_id(list_name, mlflow_id, tags[mapping.TAG_ID])

    # Registry.

    def registry(self, run_ids: set[str], runs_reader: RunReader) -> dict[str, Any]:
        models: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        for model in self._registered_models():
            models.append(self.registered_model(model, len(models)))
            aliases = _aliases_by_version(model)
            for version in self._versions(model.name):
                version_aliases = aliases.get(str(version.version), [])
                entity = self.model_version(
                    version, len(versions), run_ids, runs_reader, version_aliases
                )
                if entity is not None:
                    versions.append(entity)
        registry: dict[str, Any] = {}
        if models:
            registry["registered_models"] = models
        if versions:
            registry["model_versions"] = versions
        return registry

    def _registered_models(self) -> list[Any]:
        models: list[Any] = []
        page_token = None
        while True:
            page = self.client.search_registered_models(
                max_results=1000, page_token=page_token
            )
            models.extend(page)
            page_token = page.token
            if not page_token:
                return sorted(models, key=lambda model: model.name)

    def _versions(self, name: str) -> list[Any]:
        versions = search_model_versions(self.client, name)
        return sorted(versions, key=lambda version: int(version.version))

    def registered_model(self, model: Any, index: int) -> dict[str, Any]:
        pointer = join_pointer(("model_registry", "registered_models", index))
        tags = dict(model.tags)
        self._record_id("registered_models", model.name, tags)
        entity: dict[str, Any] = {"model_id": model.name, "model_name": model.name}
        if model.description:
            entity["model_description"] = model.description
        user_tags = _user_tags(tags)
        if user_tags:
            entity["model_tags"] = mapping.tags_from_mlflow(
                user_tags, tags.get(mapping.TAG_TAGS_FORM)
            )
        entity["created_by"] = tags.get(mapping.TAG_CREATED_BY) or "unknown"
        if mapping.TAG_CREATED_BY not in tags:
            self.report.add(
                pointer + "/created_by", "MLflow records no creator; set to 'unknown'"
            )
        entity["created_at"] = tags.get(
            mapping.TAG_CREATED_AT
        ) or mapping.ms_to_timestamp(model.creation_timestamp or 0)
        updated = _updated_at(tags, model.last_updated_timestamp)
        if updated is not None:
            entity["updated_at"] = updated
        self.report.count("registered models")
        return entity

    def model_version(
        self,
        version: Any,
        index: int,
        run_ids: set[str],
        runs_reader: RunReader,
        aliases: list[str],
    ) -> dict[str, Any] | None:
        pointer = join_pointer(("model_registry", "model_versions", index))
        version_id = f"{version.name}/{version.version}"
        if version.run_id not in run_ids:
            reason = (
                f"version {version_id} links to run {version.run_id!r}, "
                "which is not in the imported runs; the version was skipped"
            )
            self.report.drop(f"mlflow:model-versions/{version_id}", reason)
            return None

        tags = dict(version.tags)
        self._record_id("model_versions", version_id, tags)
        stage = version.current_stage or "None"
        if stage not in mapping.STAGES:
            self.report.change(
                pointer + "/version_stage", f"unknown stage {stage!r} read as None"
            )
            stage = "None"
        entity: dict[str, Any] = {
            "version_id": version_id,
            "model_id": version.name,
            "version_number": int(version.version),
            "version_stage": stage,
        }
        if version.description:
            entity["version_description"] = version.description
        entity["run_id"] = version.run_id
        entity["model_uri"] = version.source
        entity["model_format"] = self._model_format(version, tags, runs_reader, pointer)
        if aliases:
            entity["aliases"] = sorted(aliases)
        entity["created_at"] = tags.get(
            mapping.TAG_CREATED_AT
        ) or mapping.ms_to_timestamp(version.creation_timestamp or 0)
        entity["created_by"] = (
            tags.get(mapping.TAG_CREATED_BY) or version.user_id or "unknown"
        )
        if entity["created_by"] == "unknown":
            self.report.add(
                pointer + "/created_by", "MLflow records no user; set to 'unknown'"
            )
        self._report_version_tags(tags, pointer)
        self.report.count("model versions")
        return entity

    def _model_format(
        self, version: Any, tags: dict[str, str], runs_reader: RunReader, pointer: str
    ) -> str:
        if mapping.TAG_MODEL_FORMAT in tags:
            return tags[mapping.TAG_MODEL_FORMAT]
        folder = runs_reader.local_source(version.source, version.run_id)
        if folder is None:
            reason = f"source {version.source} is not a local path; format not checked"
            self.report.change(pointer + "/model_format", reason + ", MLflow assumed")
            return "MLflow"
        if not folder.exists():
            reason = (
                f"source {version.source} does not exist in the store; MLflow assumed"
            )
            self.report.change(pointer + "/model_uri", reason)
            return "MLflow"
        return mapping.format_from_flavors(_flavors(folder / "MLmodel"))

    def _report_version_tags(self, tags: dict[str, str], pointer: str) -> None:
        for key in _user_tags(tags):
            reason = (
                f"version tag {key!r} has no field in mlspec (ModelVersion has no tags)"
            )
            self.report.drop(pointer, reason)


def _aliases_by_version(model: Any) -> dict[str, list[str]]:
    """Group a registered model's aliases by version number.

    ``search_model_versions`` leaves ``aliases`` empty on SQL stores
    (MLflow 3.17.2), so the registered model's alias map is the source.
    """
    grouped: dict[str, list[str]] = {}
    aliases = model.aliases or {}
    items = aliases.items() if isinstance(aliases, dict) else []
    for alias, version in items:
        grouped.setdefault(str(version), []).append(alias)
    return grouped


def _updated_at(tags: dict[str, str], last_update_ms: int | None) -> str | None:
    """Return updated_at: the exported value, else MLflow's last update time.

    An entity that mlspec exported without updated_at has none in the
    document either, so MLflow's own time (the export's time) is not used.
    """
    if mapping.TAG_UPDATED_AT in tags:
        return tags[mapping.TAG_UPDATED_AT]
    if mapping.TAG_ID in tags or not last_update_ms:
        return None
    return mapping.ms_to_timestamp(last_update_ms)


def _flavors(mlmodel: Any) -> list[str]:
    """Return the flavor names of an MLmodel file, or none when it cannot be read."""
    import yaml

    try:
        content = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    flavors = content.get("flavors") if isinstance(content, dict) else None
    return list(flavors) if isinstance(flavors, dict) else []


def _user_tags(tags: dict[str, str]) -> dict[str, str]:
    """Return the tags that stay tags: all but ``mlspec.*`` and the mapped ones."""
    return {
        key: value
        for key, value in tags.items()
        if not key.startswith("mlspec.") and key != mapping.TAG_NOTE
    }


def _id_order(experiment_id: str) -> tuple[int, int, str]:
    """Sort numeric experiment ids numerically, others after them by text."""
    if experiment_id.isdigit():
        return 0, int(experiment_id), ""
    return 1, 0, experiment_id
