"""``Document``: record experiments, runs and registry versions, then save."""

from __future__ import annotations

import copy
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from mlspec.compare import RunComparison, compare_runs
from mlspec.document.checks import (
    DEFS_FILE,
    build_index,
    check_entity,
    check_key,
    check_subschema,
    describe_finding,
    field_order,
    set_field,
    validation_errors,
)
from mlspec.document.entities import (
    Entity,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlspec.document.errors import (
    InvalidDocumentError,
    ParameterConflictError,
    SaveError,
)
from mlspec.document.storage import serialize, write_atomically
from mlspec.document.values import (
    Clock,
    MetricValue,
    ParameterValue,
    Timestamp,
    checked_step,
    checked_timestamp_text,
    copy_tags,
    duration_seconds,
    format_timestamp,
    login_name,
    metric_value,
    parameter_value,
    tag_text,
    utc_now,
    with_tag,
    without_none,
)
from mlspec.errors import UsageError
from mlspec.ids import new_id
from mlspec.reader import read_document
from mlspec.spec import SPEC_VERSION, load_spec
from mlspec.timestamps import parse_timestamp

log = logging.getLogger(__name__)

# Entities are stored as plain dicts in the canonical form and checked with the
# JSON Schema itself. The generated models in ``mlspec.models`` accept some
# values that the schema rejects, such as a created_at of "yesterday", so they
# serve as typed copies (``to_model``) rather than as the check.

END_STATUSES = ("Finished", "Failed", "Killed")
STAGES = ("None", "Staging", "Production", "Archived")
ACTIVE_STAGES = ("Staging", "Production")
SUFFIX_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}

# MLflow 3.17 reserves these alias names (mlflow/utils/validation.py).
_RESERVED_ALIAS = re.compile(r"^(latest|[vV]\d+)$", re.IGNORECASE)

_ARTIFACT = "experiment_management/artifact.schema.json"
_VERSION = "model_registry/model_version.schema.json"

_TAG_FIELDS = {
    "experiments": "experiment_tags",
    "runs": "tags",
    "registered_models": "model_tags",
}


class Document:
    """An mlspec document that training code records runs and models into.

    ``data`` is a parsed document, which the ``Document`` uses and changes in
    place. ``user`` fills ``created_by`` when a call gives none (default: the
    login name). ``clock`` returns the current time as an aware datetime
    (default: the system clock). ``severities`` maps rule codes to "error",
    "warning" or "off" for the validation on load and save, as
    ``mlspec.validate`` takes them. Used as a context manager, the document is
    saved on exit when it has a path, also when the block raises.

    A ``Document`` is not thread-safe, and nothing locks the file: when two
    processes save the same path, the last save wins.
    """

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        user: str | None = None,
        clock: Clock | None = None,
        severities: Mapping[str, str] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None and self.path.suffix.lower() not in SUFFIX_FORMATS:
            raise UsageError(
                f"{self.path}: unknown suffix {self.path.suffix!r}; use one of {sorted(SUFFIX_FORMATS)}"
            )
        self.severities = dict(severities or {})
        # Check the severities now rather than at the first save, when the
        # recorded work could no longer be kept.
        validation_errors({"spec_version": SPEC_VERSION}, self.severities)
        self.user = user if user is not None else login_name()
        self._clock = clock or utc_now
        check_subschema(self.user, DEFS_FILE, "/$defs/name", "user")

        if data is None:
            self.data: dict[str, Any] = {"spec_version": SPEC_VERSION}
        else:
            self.data = data
            self._raise_if_invalid(self.path or "document", "is invalid")

        self._index = build_index(self.data)
        self._artifact_ids = {
            artifact["artifact_id"]
            for run in self._entities("runs")
            for artifact in run.get("artifacts", [])
        }
        # When each compact-map metric value was logged, so that a later switch
        # to the list form gives the point its real timestamp.
        self._metric_times: dict[tuple[str, str], str] = {}

    @classmethod
    def load(cls, path: str | os.PathLike[str], **options: Any) -> Document:
        """Read a JSON or YAML document and check that it is valid."""
        data = read_document(Path(path))
        log.info("loaded %s", path)
        return cls(data, path=path, **options)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        if self.path is not None:
            self.save()

    # Lookups.

    def experiment(self, experiment_id: str) -> Experiment:
        self._get("experiments", experiment_id)
        return Experiment(self, experiment_id)

    def find_experiment(self, name: str) -> Experiment | None:
        """Return the experiment called ``name``, or None."""
        for experiment in self._entities("experiments"):
            if experiment["experiment_name"] == name:
                return Experiment(self, experiment["experiment_id"])
        return None

    def run(self, run_id: str) -> Run:
        self._get("runs", run_id)
        return Run(self, run_id)

    def registered_model(self, name: str) -> RegisteredModel | None:
        """Return the registered model called ``name``, or None."""
        for model in self._entities("registered_models"):
            if model["model_name"] == name:
                return RegisteredModel(self, model["model_id"])
        return None

    def model_version(self, name: str, number: int) -> ModelVersion:
        model = self.registered_model(name)
        if model is None:
            raise UsageError(f"registered model {name!r} not found")
        for version in model.versions:
            if version.number == number:
                return version
        raise UsageError(f"registered model {name!r} has no version {number}")

    # Experiments and runs.

    def create_experiment(
        self,
        name: str,
        description: str | None = None,
        tags: Sequence[str] | Mapping[str, str] | None = None,
        created_by: str | None = None,
        *,
        experiment_id: str | None = None,
    ) -> Experiment:
        """Add an experiment. Names are unique, as in MLflow."""
        existing = self.find_experiment(name)
        if existing is not None:
            raise UsageError(
                f"experiment {name!r} already exists with id {existing.id!r}"
            )

        now = self._now()
        experiment_id = experiment_id or self._new_id("experiments", "EXP")
        experiment = {
            "experiment_id": experiment_id,
            "experiment_name": name,
            "experiment_description": description,
            "experiment_tags": copy_tags(tags),
            "created_by": created_by or self.user,
            "created_at": now,
            "updated_at": now,
        }
        self._add("experiments", without_none(experiment), f"experiment {name!r}")
        return Experiment(self, experiment_id)

    def start_run(
        self,
        experiment: Experiment | str,
        name: str,
        parent: Run | str | None = None,
        *,
        run_id: str | None = None,
        tags: Sequence[str] | Mapping[str, str] | None = None,
        start_time: Timestamp | None = None,
    ) -> Run:
        """Add a Running run to ``experiment`` and return it.

        Use the result in a ``with`` block to end the run when the block
        exits, or call ``end_run`` yourself.
        """
        experiment_id = self._resolve("experiments", experiment)
        parent_id = self._resolve("runs", parent) if parent is not None else None

        run_id = run_id or self._new_id("runs", "RUN")
        run = {
            "run_id": run_id,
            "experiment_id": experiment_id,
            "run_name": name,
            "run_status": "Running",
            "start_time": self._timestamp(start_time, "start_time"),
            "tags": copy_tags(tags),
            "parent_run_id": parent_id,
        }
        self._add("runs", without_none(run), f"run {name!r}")
        log.debug("started run %s in experiment %s", run_id, experiment_id)
        return Run(self, run_id)

    def end_run(
        self,
        run: Run | str,
        status: str = "Finished",
        end_time: Timestamp | None = None,
    ) -> None:
        """End a Running run with ``status`` and set its end_time and duration."""
        entity = self._get("runs", self._resolve("runs", run))
        if status not in END_STATUSES:
            raise UsageError(
                f"run status {status!r} is invalid here; use one of {END_STATUSES}"
            )
        if entity.get("run_status", "Running") != "Running":
            raise UsageError(
                f"run {entity['run_id']!r} already ended with status {entity['run_status']!r}"
            )

        end = self._timestamp(end_time, "end_time")
        if (
            parse_timestamp(end).epoch_us
            < parse_timestamp(entity["start_time"]).epoch_us
        ):
            log.warning(
                "run %s: end time %s is before start time %s; using the start time",
                entity["run_id"],
                end,
                entity["start_time"],
            )
            end = entity["start_time"]

        set_field(entity, "runs", "run_status", status)
        set_field(entity, "runs", "end_time", end)
        set_field(
            entity, "runs", "duration", duration_seconds(entity["start_time"], end)
        )
        if status == "Finished" and not entity.get("metrics"):
            log.warning(
                "run %s finished without a metric, so validation reports run-finished-no-metric",
                entity["run_id"],
            )
        log.debug("ended run %s: %s", entity["run_id"], status)

    def log_param(self, run: Run | str, key: str, value: ParameterValue) -> None:
        """Store one parameter with the rules of ``log_params``."""
        self.log_params(run, {key: value})

    def log_params(self, run: Run | str, params: Mapping[str, ParameterValue]) -> None:
        """Store parameters of a run.

        Logging a parameter again with the same value (compared as text, as
        MLflow does) changes nothing. A different value raises
        ``ParameterConflictError`` and stores none of ``params``.
        """
        entity = self._get("runs", self._resolve("runs", run))
        subject = f"run {entity['run_id']!r}"
        values = {}
        for key, value in params.items():
            check_key(key, f"{subject}: parameter name {key!r}")
            values[key] = parameter_value(value, f"{subject}: parameter {key!r}")

        stored = entity.get("parameters", {})
        conflicts = [
            f"{key!r} is {stored[key]!r}, new value {value!r}"
            for key, value in values.items()
            if key in stored and str(stored[key]) != str(value)
        ]
        if conflicts:
            raise ParameterConflictError(
                f"{subject}: a logged parameter cannot change: " + "; ".join(conflicts)
            )

        merged = dict(stored)
        for key, value in values.items():
            merged.setdefault(key, value)
        set_field(entity, "runs", "parameters", merged)

    def log_metric(
        self,
        run: Run | str,
        key: str,
        value: MetricValue,
        step: int | None = None,
        timestamp: Timestamp | None = None,
    ) -> None:
        """Record one value of a metric, keeping the metric's history.

        ``value`` may be NaN or infinite; it is stored as "NaN", "Infinity"
        or "-Infinity". ``step`` defaults to 0 and ``timestamp`` to now.
        """
        self.log_metrics(run, {key: value}, step=step, timestamp=timestamp)

    def log_metrics(
        self,
        run: Run | str,
        metrics: Mapping[str, MetricValue],
        step: int | None = None,
        timestamp: Timestamp | None = None,
    ) -> None:
        """Record one value of each metric, all with the same step and timestamp.

        Every value is checked before any is stored.
        """
        entity = self._get("runs", self._resolve("runs", run))
        subject = f"run {entity['run_id']!r}"
        moment = self._timestamp(timestamp, f"{subject}: metric timestamp")
        points = []
        for key, value in metrics.items():
            metric = f"{subject}: metric {key!r}"
            point = {
                "key": key,
                "value": metric_value(value, metric),
                "step": checked_step(step, metric),
                "timestamp": moment,
            }
            # The value, step and timestamp were normalized above; only the
            # key is left to check against the MetricPoint schema.
            check_key(key, metric)
            points.append(point)

        compact = step in (None, 0) and timestamp is None
        for point in points:
            self._store_point(entity, point, compact)

    def set_tag(
        self,
        target: Experiment | Run | RegisteredModel,
        key: str,
        value: Any = None,
    ) -> None:
        """Tag an experiment, run or registered model.

        Without a value the tag is a label. With a value the tags are stored
        as a map, and labels already stored become keys with an empty value.
        Numbers and booleans are stored as text, as MLflow stores them.
        """
        if not isinstance(target, Experiment | Run | RegisteredModel):
            raise UsageError(
                f"cannot tag {target!r}; tag an Experiment, Run or RegisteredModel"
            )
        entity = target.data
        field = _TAG_FIELDS[target.list_name]
        subject = f"{type(target).__name__.lower()} {target.id!r}: tag {key!r}"
        check_key(key, subject)
        text = None if value is None else tag_text(value, subject)
        if text is not None:
            check_subschema(text, DEFS_FILE, "/$defs/text", subject)

        tags = with_tag(entity.get(field), key, text)
        set_field(entity, target.list_name, field, tags)
        if "updated_at" in field_order(target.list_name):
            set_field(entity, target.list_name, "updated_at", self._now())

    def log_artifact(
        self,
        run: Run | str,
        path: str,
        artifact_type: str = "Other",
        size: int | None = None,
        *,
        artifact_id: str | None = None,
    ) -> str:
        """Record an artifact of a run and return its id.

        ``artifact_type`` is Model, Data, Code or Other; ``size`` is in bytes.
        The file itself is not read or copied.
        """
        entity = self._get("runs", self._resolve("runs", run))
        new_artifact_id = artifact_id or new_id(
            "ART", self._clock_time(), self._artifact_ids
        )
        artifact = {
            "artifact_id": new_artifact_id,
            "artifact_path": path,
            "artifact_type": artifact_type,
            "artifact_size": size,
        }
        subject = f"run {entity['run_id']!r}: artifact {path!r}"
        if new_artifact_id in self._artifact_ids:
            raise UsageError(
                f"{subject}: artifact_id {new_artifact_id!r} is already in use"
            )
        check_subschema(without_none(artifact), _ARTIFACT, "", subject)

        artifacts = [*entity.get("artifacts", []), without_none(artifact)]
        set_field(entity, "runs", "artifacts", artifacts)
        self._artifact_ids.add(new_artifact_id)
        return new_artifact_id

    # The model registry.

    def create_registered_model(
        self,
        name: str,
        description: str | None = None,
        tags: Sequence[str] | Mapping[str, str] | None = None,
        created_by: str | None = None,
        *,
        model_id: str | None = None,
    ) -> RegisteredModel:
        """Add a registered model without versions. Names are unique, as in MLflow."""
        if self.registered_model(name) is not None:
            raise UsageError(f"registered model {name!r} already exists")
        user = created_by or self.user
        model = self._new_registered_model(name, description, tags, user, model_id)
        self._add("registered_models", model, f"registered model {name!r}")
        return RegisteredModel(self, model["model_id"])

    def register_model(
        self,
        name: str,
        run: Run | str,
        uri: str,
        format: str,
        *,
        description: str | None = None,
        created_by: str | None = None,
        version_id: str | None = None,
    ) -> ModelVersion:
        """Add the next version of the registered model ``name``.

        The model is created on first use. ``run`` is an experiment run or a
        training run of this document, and ``format`` is one of the spec's
        ModelFormat values (MLflow, ONNX, TensorFlow, PyTorch, Scikit_Learn).
        """
        run_id = self._resolve_producer(run)
        now = self._now()
        user = created_by or self.user
        existing = self.registered_model(name)
        if existing is None:
            model = self._new_registered_model(name, None, None, user, None)
        else:
            model = existing.data

        numbers_used = [
            v["version_number"] for v in self._versions_of(model["model_id"])
        ]
        version = {
            "version_id": version_id or self._new_id("model_versions", "VER"),
            "model_id": model["model_id"],
            "version_number": max(numbers_used, default=0) + 1,
            "version_stage": "None",
            "version_description": description,
            "run_id": run_id,
            "model_uri": uri,
            "model_format": format,
            "created_at": now,
            "created_by": user,
        }
        version = without_none(version)
        self._check_new("model_versions", version, f"version of model {name!r}")

        if existing is None:
            self._add("registered_models", model, f"registered model {name!r}")
        else:
            set_field(model, "registered_models", "updated_at", now)
        self._add("model_versions", version, f"version of model {name!r}")
        log.debug("registered %s version %d", name, version["version_number"])
        return ModelVersion(self, version["version_id"])

    def transition(
        self,
        version: ModelVersion | str,
        stage: str,
        archive_existing: bool = False,
    ) -> ModelVersion:
        """Move a version to ``stage`` (None, Staging, Production or Archived).

        The stage name is matched without regard to case. With
        ``archive_existing``, the other versions of the same model that are in
        ``stage`` move to Archived, as MLflow's ``archive_existing_versions``
        does. MLflow allows that flag only for Staging and Production, and so
        does this method.
        """
        entity = self._get("model_versions", self._resolve("model_versions", version))
        canonical = {name.lower(): name for name in STAGES}.get(str(stage).lower())
        if canonical is None:
            raise UsageError(f"stage {stage!r} is invalid; use one of {STAGES}")
        if archive_existing and canonical not in ACTIVE_STAGES:
            raise UsageError(
                f"archive_existing needs stage Staging or Production, not {canonical!r}"
            )

        siblings = self._versions_of(entity["model_id"])
        if archive_existing:
            for other in siblings:
                if other is not entity and other.get("version_stage") == canonical:
                    set_field(other, "model_versions", "version_stage", "Archived")
        set_field(entity, "model_versions", "version_stage", canonical)
        model = self._get("registered_models", entity["model_id"])
        set_field(model, "registered_models", "updated_at", self._now())
        return ModelVersion(self, entity["version_id"])

    def set_alias(self, version: ModelVersion | str, alias: str) -> None:
        """Point ``alias`` at ``version``, taking it from any other version of the model."""
        entity = self._get("model_versions", self._resolve("model_versions", version))
        subject = f"alias {alias!r}"
        check_subschema([alias], _VERSION, "/properties/aliases", subject)
        if _RESERVED_ALIAS.match(alias):
            raise UsageError(
                f"{subject} is reserved: 'latest' and v<number> name versions"
            )

        for other in self._versions_of(entity["model_id"]):
            if other is not entity and alias in other.get("aliases", []):
                remaining = [name for name in other["aliases"] if name != alias]
                set_field(other, "model_versions", "aliases", remaining)
                if not remaining:
                    del other["aliases"]

        aliases = entity.get("aliases", [])
        if alias not in aliases:
            set_field(entity, "model_versions", "aliases", [*aliases, alias])

    # Reports.

    def compare_runs(
        self,
        run_ids: Iterable[Run | str],
        higher_is_better: Mapping[str, bool] | None = None,
    ) -> RunComparison:
        """Compare runs side by side with ``mlspec.compare.compare_runs``."""
        ids = [self._resolve("runs", run) for run in run_ids]
        return compare_runs(self.data, ids, higher_is_better)

    def to_model(self) -> Any:
        """Return a typed copy of the document as ``mlspec.models.MLMetadataDocument``."""
        from mlspec import models

        return models.MLMetadataDocument.model_validate(copy.deepcopy(self.data))

    # Saving.

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Validate the document and write it atomically as JSON or YAML.

        The suffix of the path picks the format: ``.json``, ``.yaml`` or
        ``.yml``. A given ``path`` becomes the document's path. Raises
        ``InvalidDocumentError`` and writes nothing when validation reports an
        error, and ``SaveError`` when the operating system rejects the write.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise UsageError("the document has no path; pass one to save()")
        output_format = SUFFIX_FORMATS.get(target.suffix.lower())
        if output_format is None:
            raise UsageError(
                f"{target}: unknown suffix {target.suffix!r}; use one of {sorted(SUFFIX_FORMATS)}"
            )

        self._raise_if_invalid(target, "cannot be saved")
        try:
            payload = serialize(self.data, output_format)
        except UnicodeEncodeError as error:
            character = error.object[error.start : error.end]
            raise SaveError(
                f"{target}: cannot save: the document contains {character!r}, "
                "a lone surrogate that UTF-8 cannot encode; replace that string"
            ) from error
        try:
            write_atomically(target, payload)
        except OSError as error:
            reason = error.strerror or str(error)
            raise SaveError(f"{target}: cannot save: {reason}") from error
        self.path = target
        log.info("saved %s", target)
        return target

    # Internals.

    def _now(self) -> str:
        return self._timestamp(None, "clock")

    def _clock_time(self) -> datetime:
        moment = self._clock()
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise UsageError(f"clock: {moment!r} is not a timezone-aware datetime")
        return moment

    def _timestamp(self, value: Timestamp | None, subject: str) -> str:
        moment = self._clock_time() if value is None else value
        if isinstance(moment, datetime):
            if moment.utcoffset() is None:
                raise UsageError(
                    f"{subject}: {moment!r} has no time zone; pass an aware datetime"
                )
            return format_timestamp(moment)
        if isinstance(moment, str):
            return checked_timestamp_text(moment, subject)
        raise UsageError(
            f"{subject}: {moment!r} is not a datetime or an RFC 3339 string"
        )

    def _new_id(self, list_name: str, prefix: str) -> str:
        return new_id(prefix, self._clock_time(), taken=self._index[list_name])

    def _entities(self, list_name: str) -> Iterable[dict[str, Any]]:
        return self._index[list_name].values()

    def _get(self, list_name: str, entity_id: str) -> dict[str, Any]:
        try:
            return self._index[list_name][entity_id]
        except KeyError:
            title = load_spec().entity(list_name).title
            raise UsageError(
                f"{title} {entity_id!r} not found in the document"
            ) from None

    def _resolve(self, list_name: str, ref: Entity | str) -> str:
        """Return the id of ``ref`` after checking that this document contains it."""
        if isinstance(ref, Entity):
            if ref.document is not self:
                raise UsageError(f"{ref!r} belongs to another Document")
            entity_id = ref.id
        elif isinstance(ref, str):
            entity_id = ref
        else:
            raise UsageError(
                f"expected an id or an entity from {list_name}, got {ref!r}"
            )
        self._get(list_name, entity_id)
        return entity_id

    def _resolve_producer(self, run: Run | str) -> str:
        """Return the id of an experiment run or training run."""
        if isinstance(run, str) and run in self._index["training_runs"]:
            return run
        return self._resolve("runs", run)

    def _new_registered_model(
        self,
        name: str,
        description: str | None,
        tags: Sequence[str] | Mapping[str, str] | None,
        user: str,
        model_id: str | None,
    ) -> dict[str, Any]:
        """Build a registered model and check it, without adding it."""
        now = self._now()
        model = {
            "model_id": model_id or self._new_id("registered_models", "MODEL"),
            "model_name": name,
            "model_description": description,
            "model_tags": copy_tags(tags),
            "created_by": user,
            "created_at": now,
            "updated_at": now,
        }
        model = without_none(model)
        self._check_new("registered_models", model, f"registered model {name!r}")
        return model

    def _versions_of(self, model_id: str) -> list[dict[str, Any]]:
        return [
            v for v in self._entities("model_versions") if v["model_id"] == model_id
        ]

    def _check_new(self, list_name: str, entity: dict[str, Any], subject: str) -> None:
        id_field = load_spec().entity(list_name).id_field
        if entity[id_field] in self._index[list_name]:
            raise UsageError(
                f"{subject}: {id_field} {entity[id_field]!r} is already in use"
            )
        check_entity(list_name, entity, subject)

    def _add(self, list_name: str, entity: dict[str, Any], subject: str) -> None:
        self._check_new(list_name, entity, subject)
        kind = load_spec().entity(list_name)
        section = self.data.setdefault(kind.section, {})
        section.setdefault(list_name, []).append(entity)
        self._index[list_name][entity[kind.id_field]] = entity

    def _store_point(
        self, run: dict[str, Any], point: dict[str, Any], compact: bool
    ) -> None:
        """Add a metric point in the map form while possible, else as a list item."""
        metrics = run.get("metrics")
        key = point["key"]
        if compact and isinstance(metrics, dict | None) and key not in (metrics or {}):
            set_field(run, "runs", "metrics", {**(metrics or {}), key: point["value"]})
            self._metric_times[(run["run_id"], key)] = point["timestamp"]
            return

        if not isinstance(metrics, list):
            metrics = self._points_from_map(run, metrics or {})
            set_field(run, "runs", "metrics", metrics)
        metrics.append(point)

    def _points_from_map(
        self, run: dict[str, Any], metrics: dict[str, Any]
    ) -> list[dict]:
        """Turn compact metrics into points, timed when logged or else as the spec reads them."""
        implied_time = run.get("end_time") or run["start_time"]
        return [
            {
                "key": key,
                "value": value,
                "step": 0,
                "timestamp": self._metric_times.get((run["run_id"], key), implied_time),
            }
            for key, value in metrics.items()
        ]

    def _raise_if_invalid(self, where: str | os.PathLike[str], verb: str) -> None:
        errors = validation_errors(self.data, self.severities)
        if not errors:
            return
        first_errors = "; ".join(describe_finding(finding) for finding in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise InvalidDocumentError(
            f"{where}: document {verb}: {first_errors}{more}", errors
        )


def open(path: str | os.PathLike[str], **options: Any) -> Document:
    """Load the document at ``path``, or start a new one that saves there.

    ``options`` are the keyword arguments of ``Document``.
    """
    if Path(path).exists():
        return Document.load(path, **options)
    return Document(path=path, **options)
