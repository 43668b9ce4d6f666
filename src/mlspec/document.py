"""Record ML metadata in an mlspec document from training code, without a server.

``Document`` keeps a document as plain JSON data in the canonical in-memory
form (the form ``mlspec.read_document`` returns). Every method checks its
input against the spec before it changes anything, so a call that raises
leaves the document as it was. ``save`` validates the whole document and then
replaces the file atomically.

Metrics of a run are stored in the compact map form (name to value) while
every metric has one value logged without a step or timestamp. The first
call that needs history (a second value for a metric, a step other than 0 or
an explicit timestamp) turns the run's metrics into a list of points, each
with its step and timestamp.
"""

from __future__ import annotations

import getpass
import json
import logging
import math
import numbers
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, ClassVar, Self

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mlspec.compare import RunComparison, compare_runs
from mlspec.errors import MlspecError, UsageError
from mlspec.findings import Finding
from mlspec.ids import new_id
from mlspec.reader import read_document
from mlspec.spec import SPEC_VERSION, join_pointer, load_spec
from mlspec.timestamps import TimestampError, parse_timestamp
from mlspec.validator import validate

log = logging.getLogger(__name__)

# TODO: store entities as ``mlspec.models`` classes once that module exists;
# until then plain dicts, checked against the spec, are the storage form.

ParameterValue = str | int | float | bool
MetricValue = int | float | str
Timestamp = datetime | str
Clock = Callable[[], datetime]

RUN_STATUSES = ("Running", "Finished", "Failed", "Killed")
END_STATUSES = ("Finished", "Failed", "Killed")
STAGES = ("None", "Staging", "Production", "Archived")
ACTIVE_STAGES = ("Staging", "Production")
NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
SUFFIX_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}

# MLflow 3.17 reserves these alias names (mlflow/utils/validation.py).
_RESERVED_ALIAS = re.compile(r"^(latest|[vV]\d+)$", re.IGNORECASE)
_INT64 = (-(2**63), 2**63 - 1)
_WRITE_CHUNK_BYTES = 1 << 20

_DEFS = "defs.schema.json"
_ARTIFACT = "experiment_management/artifact.schema.json"
_VERSION = "model_registry/model_version.schema.json"

_TAG_FIELDS = {
    "experiments": "experiment_tags",
    "runs": "tags",
    "registered_models": "model_tags",
}


class InvalidDocumentError(MlspecError):
    """Raised when a document fails validation, on load or before a save.

    ``findings`` lists every problem the validator reported.
    """

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = list(findings)


class SaveError(MlspecError):
    """Raised when writing a document fails. The file at the path keeps its content."""


class ParameterConflictError(UsageError):
    """Raised when a parameter is logged again with a different value, as in MLflow."""


# Entity handles ----------------------------------------------------------------


class Entity:
    """A reference to one entity of a ``Document``, by its id.

    ``data`` is the entity's dict inside the document. Change it through the
    ``Document`` methods, which keep the document valid.
    """

    list_name: ClassVar[str]

    def __init__(self, document: Document, entity_id: str) -> None:
        self.document = document
        self.id = entity_id

    @property
    def data(self) -> dict[str, Any]:
        return self.document._get(self.list_name, self.id)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entity):
            return NotImplemented
        same_entity = (self.list_name, self.id) == (other.list_name, other.id)
        return same_entity and self.document is other.document

    def __hash__(self) -> int:
        return hash((self.list_name, self.id))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"


class Experiment(Entity):
    """An experiment of a document."""

    list_name = "experiments"

    @property
    def experiment_id(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return self.data["experiment_name"]


class Run(Entity):
    """A run of a document.

    As a context manager it ends the run when the block exits: Finished, or
    Failed when the block raises, in which case the exception propagates.
    """

    list_name = "runs"

    @property
    def run_id(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return self.data["run_name"]

    @property
    def status(self) -> str:
        return self.data.get("run_status", "Running")

    def log_param(self, key: str, value: ParameterValue) -> None:
        self.document.log_param(self, key, value)

    def log_params(self, params: Mapping[str, ParameterValue]) -> None:
        self.document.log_params(self, params)

    def log_metric(
        self,
        key: str,
        value: MetricValue,
        step: int | None = None,
        timestamp: Timestamp | None = None,
    ) -> None:
        self.document.log_metric(self, key, value, step=step, timestamp=timestamp)

    def log_metrics(
        self,
        metrics: Mapping[str, MetricValue],
        step: int | None = None,
        timestamp: Timestamp | None = None,
    ) -> None:
        self.document.log_metrics(self, metrics, step=step, timestamp=timestamp)

    def set_tag(self, key: str, value: Any = None) -> None:
        self.document.set_tag(self, key, value)

    def log_artifact(
        self, path: str, artifact_type: str = "Other", size: int | None = None
    ) -> str:
        return self.document.log_artifact(self, path, artifact_type, size)

    def end(self, status: str = "Finished") -> None:
        self.document.end_run(self, status)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        # A run ended inside the block keeps the status it was given.
        if self.status == "Running":
            self.document.end_run(self, "Finished" if exc_type is None else "Failed")


class RegisteredModel(Entity):
    """A registered model of a document."""

    list_name = "registered_models"

    @property
    def model_id(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return self.data["model_name"]

    @property
    def versions(self) -> list[ModelVersion]:
        return [
            ModelVersion(self.document, version["version_id"])
            for version in self.document._versions_of(self.id)
        ]


class ModelVersion(Entity):
    """A version of a registered model."""

    list_name = "model_versions"

    @property
    def version_id(self) -> str:
        return self.id

    @property
    def number(self) -> int:
        return self.data["version_number"]

    @property
    def stage(self) -> str:
        return self.data.get("version_stage", "None")

    @property
    def aliases(self) -> list[str]:
        return list(self.data.get("aliases", []))

    @property
    def model(self) -> RegisteredModel:
        return RegisteredModel(self.document, self.data["model_id"])


# The document ------------------------------------------------------------------


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
        self.severities = dict(severities or {})
        self.user = user if user is not None else _login_name()
        self._clock = clock or _utc_now
        _check(self.user, _DEFS, "/$defs/name", "user")

        if data is None:
            self.data: dict[str, Any] = {"spec_version": SPEC_VERSION}
        else:
            self.data = data
            self._raise_if_invalid(self.path or "document", "is invalid")

        self._index = _build_index(self.data)
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
            "experiment_tags": _copy_tags(tags),
            "created_by": created_by or self.user,
            "created_at": now,
            "updated_at": now,
        }
        self._add("experiments", _without_none(experiment), f"experiment {name!r}")
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
            "tags": _copy_tags(tags),
            "parent_run_id": parent_id,
        }
        self._add("runs", _without_none(run), f"run {name!r}")
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

        _set_field(entity, "runs", "run_status", status)
        _set_field(entity, "runs", "end_time", end)
        _set_field(entity, "runs", "duration", _duration(entity["start_time"], end))
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
            _check_key(key, f"{subject}: parameter name {key!r}")
            values[key] = _parameter_value(value, f"{subject}: parameter {key!r}")

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
        _set_field(entity, "runs", "parameters", merged)

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
                "value": _metric_value(value, metric),
                "step": _step(step, metric),
                "timestamp": moment,
            }
            # The value, step and timestamp were normalized above; only the
            # key is left to check against the MetricPoint schema.
            _check_key(key, metric)
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
        _check_key(key, subject)
        text = None if value is None else _tag_text(value, subject)
        if text is not None:
            _check(text, _DEFS, "/$defs/text", subject)

        tags = _with_tag(entity.get(field), key, text)
        _set_field(entity, target.list_name, field, tags)
        if "updated_at" in _field_order(target.list_name):
            _set_field(entity, target.list_name, "updated_at", self._now())

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
        _check(_without_none(artifact), _ARTIFACT, "", subject)

        artifacts = [*entity.get("artifacts", []), _without_none(artifact)]
        _set_field(entity, "runs", "artifacts", artifacts)
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
        version = _without_none(version)
        self._check_new("model_versions", version, f"version of model {name!r}")

        if existing is None:
            self._add("registered_models", model, f"registered model {name!r}")
        else:
            _set_field(model, "registered_models", "updated_at", now)
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
                    _set_field(other, "model_versions", "version_stage", "Archived")
        _set_field(entity, "model_versions", "version_stage", canonical)
        model = self._get("registered_models", entity["model_id"])
        _set_field(model, "registered_models", "updated_at", self._now())
        return ModelVersion(self, entity["version_id"])

    def set_alias(self, version: ModelVersion | str, alias: str) -> None:
        """Point ``alias`` at ``version``, taking it from any other version of the model."""
        entity = self._get("model_versions", self._resolve("model_versions", version))
        subject = f"alias {alias!r}"
        _check([alias], _VERSION, "/properties/aliases", subject)
        if _RESERVED_ALIAS.match(alias):
            raise UsageError(
                f"{subject} is reserved: 'latest' and v<number> name versions"
            )

        for other in self._versions_of(entity["model_id"]):
            if other is not entity and alias in other.get("aliases", []):
                remaining = [name for name in other["aliases"] if name != alias]
                _set_field(other, "model_versions", "aliases", remaining)
                if not remaining:
                    del other["aliases"]

        aliases = entity.get("aliases", [])
        if alias not in aliases:
            _set_field(entity, "model_versions", "aliases", [*aliases, alias])

    # Reports.

    def compare_runs(
        self,
        run_ids: Iterable[Run | str],
        higher_is_better: Mapping[str, bool] | None = None,
    ) -> RunComparison:
        """Compare runs side by side with ``mlspec.compare.compare_runs``."""
        ids = [self._resolve("runs", run) for run in run_ids]
        return compare_runs(self.data, ids, higher_is_better)

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
            return _checked_timestamp_text(moment, subject)
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
            "model_tags": _copy_tags(tags),
            "created_by": user,
            "created_at": now,
            "updated_at": now,
        }
        model = _without_none(model)
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
        _check_entity(list_name, entity, subject)

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
            _set_field(run, "runs", "metrics", {**(metrics or {}), key: point["value"]})
            self._metric_times[(run["run_id"], key)] = point["timestamp"]
            return

        if not isinstance(metrics, list):
            metrics = self._points_from_map(run, metrics or {})
            _set_field(run, "runs", "metrics", metrics)
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
        errors = _validation_errors(self.data, self.severities)
        if not errors:
            return
        first_errors = "; ".join(_describe(finding) for finding in errors[:5])
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


# Values ------------------------------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC, to the millisecond as MLflow stores times.

    Whole seconds are written without a fraction: ``2024-01-15T10:30:00Z``.
    """
    utc = moment.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    millis = utc.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def _checked_timestamp_text(text: str, subject: str) -> str:
    try:
        parsed = parse_timestamp(text)
    except TimestampError as error:
        raise UsageError(
            f"{subject}: {text!r} is not an RFC 3339 date-time: {error}"
        ) from None
    if parsed.naive:
        raise UsageError(f"{subject}: {text!r} has no UTC offset; add one, such as Z")
    return text


def _duration(start: str, end: str) -> int | float:
    """Seconds from ``start`` to ``end``: an int when whole, else a float."""
    delta_us = parse_timestamp(end).epoch_us - parse_timestamp(start).epoch_us
    whole, rest = divmod(delta_us, 1_000_000)
    return whole if rest == 0 else delta_us / 1_000_000


def _parameter_value(value: Any, subject: str) -> ParameterValue:
    """Return ``value`` as a JSON string, number or boolean, accepting numpy scalars."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise UsageError(
                f"{subject}: {number} is invalid; a parameter must be finite"
            )
        return number
    raise UsageError(
        f"{subject}: {value!r} is invalid; use a string, number or boolean"
    )


def _metric_value(value: Any, subject: str) -> MetricValue:
    """Return ``value`` in the canonical form, with NaN and infinities as strings."""
    if isinstance(value, str) and value in NON_FINITE:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(
            f"{subject}: {value!r} is invalid; a metric value must be a number"
        )
    if isinstance(value, numbers.Integral):
        return int(value)

    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def _step(step: Any, subject: str) -> int:
    if step is None:
        return 0
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise UsageError(f"{subject}: step {step!r} is invalid; use an integer")
    if not _INT64[0] <= int(step) <= _INT64[1]:
        raise UsageError(f"{subject}: step {step} is outside the 64-bit integer range")
    return int(step)


def _tag_text(value: Any, subject: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | numbers.Real):
        return str(value)
    raise UsageError(f"{subject}: value {value!r} is invalid; use a string")


def _copy_tags(tags: Sequence[str] | Mapping[str, str] | None) -> list | dict | None:
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return dict(tags)
    if isinstance(tags, str):
        raise UsageError(
            f"tags {tags!r}: pass a list of labels or a mapping, not one string"
        )
    return list(tags)


def _with_tag(tags: list | dict | None, key: str, text: str | None) -> list | dict:
    """Return a copy of ``tags`` with the tag added, as a list while only labels are stored."""
    if text is None and not isinstance(tags, dict):
        labels = list(tags or [])
        return labels if key in labels else [*labels, key]

    if isinstance(tags, dict):
        mapping = dict(tags)
    else:
        mapping = dict.fromkeys(tags or [], "")
    if text is None:
        mapping.setdefault(key, "")
    else:
        mapping[key] = text
    return mapping


def _without_none(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if value is not None}


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No login name in the environment or the password database.
        return "unknown"


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Spec checks -------------------------------------------------------------------


@cache
def _validator(relative: str, fragment: str) -> Draft202012Validator:
    spec = load_spec()
    schema = {"$ref": f"{spec.uris[relative]}#{fragment}"}
    return Draft202012Validator(schema, registry=spec.registry)


def _check(instance: Any, relative: str, fragment: str, subject: str) -> None:
    """Raise ``UsageError`` naming ``subject`` unless ``instance`` matches the subschema."""
    error = best_match(_validator(relative, fragment).iter_errors(instance))
    if error is None:
        return
    where = join_pointer(error.absolute_path)
    location = f" at {where}" if where else ""
    raise UsageError(f"{subject}: invalid value{location}: {error.message}")


def _check_key(key: Any, subject: str) -> None:
    """Check a parameter, metric or tag name against the spec, caching each result."""
    message = _key_error(key) if isinstance(key, str) else f"{key!r} is not a string"
    if message is not None:
        raise UsageError(f"{subject}: invalid value: {message}")


@lru_cache(maxsize=4096)
def _key_error(key: str) -> str | None:
    error = best_match(_validator(_DEFS, "/$defs/key").iter_errors(key))
    return None if error is None else error.message


def _check_entity(list_name: str, entity: dict[str, Any], subject: str) -> None:
    relative = _relative_path(load_spec().entity(list_name).uri)
    _check(entity, relative, "", subject)
    for field in ("created_at", "updated_at", "start_time", "end_time"):
        if isinstance(entity.get(field), str):
            _checked_timestamp_text(entity[field], f"{subject}: {field}")


def _relative_path(uri: str) -> str:
    spec = load_spec()
    return next(relative for relative, known in spec.uris.items() if known == uri)


@cache
def _field_order(list_name: str) -> dict[str, int]:
    schema = load_spec().schema_at(load_spec().entity(list_name).uri)
    return {name: position for position, name in enumerate(schema["properties"])}


def _set_field(entity: dict[str, Any], list_name: str, field: str, value: Any) -> None:
    """Set a field, placing a new one where the schema lists it so saved files read in order."""
    is_new = field not in entity
    entity[field] = value
    if not is_new:
        return
    order = _field_order(list_name)
    ordered = sorted(entity.items(), key=lambda item: order.get(item[0], len(order)))
    entity.clear()
    entity.update(ordered)


def _build_index(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    index: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in load_spec().entities:
        entities = data.get(kind.section, {}).get(kind.list_name, [])
        index[kind.list_name] = {entity[kind.id_field]: entity for entity in entities}
    return index


def _validation_errors(
    data: Mapping[str, Any], severities: Mapping[str, str]
) -> list[Finding]:
    report = validate(dict(data), severities=dict(severities))
    return report.errors


def _describe(finding: Finding) -> str:
    return f"{finding.pointer or '/'}: {finding.message} [{finding.rule}]"


# Writing -----------------------------------------------------------------------


def serialize(data: Mapping[str, Any], output_format: str) -> bytes:
    """Encode a canonical document as UTF-8 JSON (2-space indent) or block-style YAML."""
    if output_format == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    elif output_format == "yaml":
        # libyaml's emitter was twice as fast as PyYAML's on a 2 MB document and
        # wrote the same text. NOTE: other documents may differ in layout.
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(
            dict(data), Dumper=dumper, sort_keys=False, allow_unicode=True, width=88
        )
    else:
        raise UsageError(f"unknown output format {output_format!r}; use json or yaml")
    return text.encode("utf-8")


def write_atomically(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that readers see the old file or the new one.

    The bytes go to a temporary file in the same folder, because ``os.replace``
    is atomic only within one file system. The file is fsynced before the
    rename and the folder after it, so a crash or power loss at any point
    leaves either the old or the new content under ``path``. A crash can
    leave the temporary ``.<name>.<hex>.tmp`` file behind.
    """
    folder = path.parent
    temp_path, descriptor = _create_temp_file(folder, path.name)
    try:
        try:
            _write_all(descriptor, payload)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _copy_mode(path, temp_path)
        os.replace(temp_path, path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise

    _fsync_folder(folder)


def _create_temp_file(folder: Path, name: str) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp_path = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            # Mode 0o666 lets the umask decide, as for any new file.
            return temp_path, os.open(temp_path, flags, 0o666)
        except FileExistsError:
            continue


def _write_all(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(descriptor, view[:_WRITE_CHUNK_BYTES])
        view = view[written:]


def _copy_mode(source: Path, target: Path) -> None:
    """Give the new file the permissions of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(source.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(target, mode)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
