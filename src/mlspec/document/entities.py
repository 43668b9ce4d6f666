"""Handles on the entities of a ``Document``: experiments, runs, models, versions."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from mlspec.document.values import MetricValue, ParameterValue, Timestamp
from mlspec.spec import load_spec

if TYPE_CHECKING:
    from mlspec.document.core import Document


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

    def to_model(self) -> Any:
        """Return a typed copy of the entity as its generated class in ``mlspec.models``.

        Changing the copy does not change the document.
        """
        from mlspec import models

        title = load_spec().entity(self.list_name).title
        return getattr(models, title).model_validate(copy.deepcopy(self.data))

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
