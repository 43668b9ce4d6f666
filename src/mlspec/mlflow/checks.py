"""Checks of a document against MLflow's limits, run before an export writes anything.

MLflow rejects some values that mlspec allows: long parameter values, keys
with characters such as ``#``, reserved alias names. Each check here
returns a ``Finding`` with the JSON pointer of the value, so an export can
stop before its first write instead of failing halfway through.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from mlspec.findings import Finding, Severity
from mlspec.mlflow import mapping
from mlspec.spec import join_pointer

# MLflow's rule for param, metric and tag keys on POSIX systems
# (mlflow.utils.validation.validate_param_and_metric_name).
_KEY_CHARACTERS = re.compile(r"^[/\w.\- :]*$")
_ALIAS_CHARACTERS = re.compile(r"^[\w\-]*$")
_VERSION_ALIAS = re.compile(r"^[vV]\d+$")

# Rule codes of the MLflow checks, listed in mlspec.findings.RULES and docs/rules.md.
RULE_KEY = "mlflow-key-invalid"
RULE_LENGTH = "mlflow-value-too-long"
RULE_NAME = "mlflow-name-invalid"
RULE_ALIAS = "mlflow-alias-invalid"
RULE_ALIAS_RESERVED = "mlflow-alias-reserved"
RULE_PARENT = "mlflow-parent-missing"
RULE_CYCLE = "mlflow-parent-cycle"


def check_document(document: dict[str, Any], file: str) -> list[Finding]:
    """Return a finding for every value that MLflow would reject."""
    checker = _Checker(file)
    management = document.get("experiment_management") or {}
    for index, experiment in enumerate(management.get("experiments") or []):
        checker.experiment(experiment, ("experiment_management", "experiments", index))
    runs = management.get("runs") or []
    for index, run in enumerate(runs):
        checker.run(run, ("experiment_management", "runs", index))
    checker.parents(runs)

    training = document.get("model_training") or {}
    for index, definition in enumerate(training.get("training_definitions") or []):
        location = ("model_training", "training_definitions", index)
        checker.definition(definition, location)

    registry = document.get("model_registry") or {}
    for index, model in enumerate(registry.get("registered_models") or []):
        checker.registered_model(model, ("model_registry", "registered_models", index))
    for index, version in enumerate(registry.get("model_versions") or []):
        checker.model_version(version, ("model_registry", "model_versions", index))
    return checker.findings


def key_problem(key: str) -> str | None:
    """Return why MLflow would reject ``key`` as a param, metric or tag key, or None."""
    if len(key) > mapping.MAX_KEY_LENGTH:
        return f"is {len(key)} characters long; MLflow allows {mapping.MAX_KEY_LENGTH}"
    if not _KEY_CHARACTERS.match(key):
        return (
            "contains a character MLflow does not allow in keys "
            "(allowed: letters, digits, _ - . space : /)"
        )
    normalised = posixpath.normpath(key)
    if normalised != key or normalised == "." or key.startswith(("..", "/")):
        return f"is a path that MLflow would read as {normalised!r}"
    return None


class _Checker:
    """Collects findings for one document."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.findings: list[Finding] = []

    def report(self, location: tuple, rule: str, message: str) -> None:
        pointer = join_pointer(location)
        self.findings.append(Finding(self.file, pointer, rule, Severity.ERROR, message))

    def key(self, key: str, location: tuple, subject: str) -> None:
        problem = key_problem(key)
        if problem:
            self.report(location, RULE_KEY, f"{subject} {key!r} {problem}")

    def length(self, value: str, limit: int, location: tuple, subject: str) -> None:
        if len(value) > limit:
            preview = value[:40] + "..."
            message = (
                f"{subject} {preview!r} is {len(value)} characters long; "
                f"MLflow allows {limit}"
            )
            self.report(location, RULE_LENGTH, message)

    def tags(self, tags: Any, limit: int, location: tuple) -> None:
        for position, (key, value) in enumerate(mapping.tags_to_mlflow(tags).items()):
            key_location = (*location, position if isinstance(tags, list) else key)
            self.key(key, key_location, "tag key")
            self.length(value, limit, key_location, f"value of tag {key!r}")

    def experiment(self, experiment: dict[str, Any], location: tuple) -> None:
        name = experiment.get("experiment_name", "")
        limit = mapping.MAX_EXPERIMENT_NAME_LENGTH
        self.length(name, limit, (*location, "experiment_name"), "experiment name")
        description = experiment.get("experiment_description") or ""
        tag_limit = mapping.MAX_EXPERIMENT_TAG_VALUE_LENGTH
        self.length(
            description, tag_limit, (*location, "experiment_description"), "description"
        )
        self.tags(
            experiment.get("experiment_tags"), tag_limit, (*location, "experiment_tags")
        )

    def run(self, run: dict[str, Any], location: tuple) -> None:
        limit = mapping.MAX_RUN_NAME_LENGTH
        self.length(run.get("run_name", ""), limit, (*location, "run_name"), "run name")
        limit = mapping.MAX_TAG_VALUE_LENGTH
        self.parameters(run.get("parameters") or {}, (*location, "parameters"))
        for key, key_location in _metric_keys(
            run.get("metrics"), (*location, "metrics")
        ):
            self.key(key, key_location, "metric key")
        self.tags(run.get("tags"), limit, (*location, "tags"))

    def parameters(self, parameters: dict[str, Any], location: tuple) -> None:
        for key, value in parameters.items():
            self.key(key, (*location, key), "parameter name")
            text = mapping.parameter_to_string(value)
            limit = mapping.MAX_PARAM_VALUE_LENGTH
            self.length(text, limit, (*location, key), f"value of parameter {key!r}")

    def parents(self, runs: list[dict[str, Any]]) -> None:
        index_of = {run.get("run_id"): index for index, run in enumerate(runs)}
        for index, run in enumerate(runs):
            parent = run.get("parent_run_id")
            location = ("experiment_management", "runs", index, "parent_run_id")
            if parent is not None and parent not in index_of:
                message = (
                    f"parent run {parent!r} is not in the document, "
                    "so MLflow cannot link it"
                )
                self.report(location, RULE_PARENT, message)
            elif parent is not None and _in_cycle(run.get("run_id"), runs, index_of):
                message = f"the parent links of run {run.get('run_id')!r} form a cycle"
                self.report(location, RULE_CYCLE, message)

    def definition(self, definition: dict[str, Any], location: tuple) -> None:
        name = definition.get("definition_name", "")
        limit = mapping.MAX_RUN_NAME_LENGTH
        self.length(name, limit, (*location, "definition_name"), "definition name")
        for section in ("model_architecture", "training_config", "data_config"):
            if section in definition:
                flat = mapping.flatten(definition[section], section)
                for key, value in flat.items():
                    self.key(key, (*location, *key.split(".")), "parameter name")
                    limit = mapping.MAX_PARAM_VALUE_LENGTH
                    self.length(
                        value, limit, (*location, *key.split(".")), f"value of {key}"
                    )

    def registered_model(self, model: dict[str, Any], location: tuple) -> None:
        name = model.get("model_name", "")
        if "/" in name or ":" in name or name.strip() == "":
            message = (
                f"model name {name!r} is empty or contains '/' or ':', "
                "which MLflow rejects"
            )
            self.report((*location, "model_name"), RULE_NAME, message)
        elif posixpath.normpath(name) != name:
            message = (
                f"model name {name!r} is a path that MLflow would read as another name"
            )
            self.report((*location, "model_name"), RULE_NAME, message)
        limit = mapping.MAX_MODEL_NAME_LENGTH
        self.length(name, limit, (*location, "model_name"), "model name")
        description = model.get("model_description") or ""
        limit = mapping.MAX_MODEL_DESCRIPTION_LENGTH
        self.length(description, limit, (*location, "model_description"), "description")
        limit = mapping.MAX_REGISTERED_MODEL_TAG_VALUE_LENGTH
        self.tags(model.get("model_tags"), limit, (*location, "model_tags"))

    def model_version(self, version: dict[str, Any], location: tuple) -> None:
        description = version.get("version_description") or ""
        limit = mapping.MAX_MODEL_DESCRIPTION_LENGTH
        self.length(
            description, limit, (*location, "version_description"), "description"
        )
        self.model_uri(version, (*location, "model_uri"))
        for position, alias in enumerate(version.get("aliases") or []):
            self.alias(alias, (*location, "aliases", position))

    def model_uri(self, version: dict[str, Any], location: tuple) -> None:
        """Check the source length as MLflow stores it, with the run id replaced."""
        uri = version.get("model_uri", "")
        run_id = version.get("run_id", "")
        stored_length = len(uri)
        if run_id and uri.startswith(f"runs:/{run_id}/"):
            stored_length += mapping.MLFLOW_RUN_ID_LENGTH - len(run_id)
        limit = mapping.MAX_MODEL_SOURCE_LENGTH
        if stored_length > limit:
            message = (
                f"model_uri {uri[:40] + '...'!r} is {stored_length} characters long "
                f"as MLflow stores it; MLflow allows {limit}"
            )
            self.report(location, RULE_LENGTH, message)

    def alias(self, alias: str, location: tuple) -> None:
        if alias.lower() == "latest":
            self.report(
                location, RULE_ALIAS_RESERVED, f"alias {alias!r} is reserved by MLflow"
            )
        elif _VERSION_ALIAS.match(alias):
            message = (
                f"alias {alias!r} is reserved by MLflow for version numbers "
                "(v1, V2, ...)"
            )
            self.report(location, RULE_ALIAS_RESERVED, message)
        elif not alias or not _ALIAS_CHARACTERS.match(alias):
            message = f"alias {alias!r} may only contain letters, digits, '_' and '-'"
            self.report(location, RULE_ALIAS, message)
        elif len(alias) > mapping.MAX_ALIAS_LENGTH:
            self.length(alias, mapping.MAX_ALIAS_LENGTH, location, "alias")


def _metric_keys(metrics: Any, location: tuple) -> Iterator[tuple[str, tuple]]:
    """Yield each metric key once, with the location of its first occurrence."""
    if isinstance(metrics, dict):
        for key in metrics:
            yield key, (*location, key)
    elif isinstance(metrics, list):
        seen: set[str] = set()
        for index, point in enumerate(metrics):
            key = point.get("key", "")
            if key not in seen:
                seen.add(key)
                yield key, (*location, index, "key")


def _in_cycle(run_id: Any, runs: list[dict[str, Any]], index_of: dict) -> bool:
    seen = {run_id}
    current = runs[index_of[run_id]].get("parent_run_id")
    while current is not None and current in index_of:
        if current in seen:
            return True
        seen.add(current)
        current = runs[index_of[current]].get("parent_run_id")
    return False
