"""Cross-entity rules that JSON Schema cannot express.

``RuleChecker`` receives one entity at a time (``add``) and reports what it
can at once: a Finished run without an end time, a duration that does not
match its times. It keeps ids, pending references and parent links in a
``RuleIndex`` (on disk for JSON Lines, so memory does not grow with the
number of records) and a few facts per registry and serving entity. ``finish``
reports what needs the whole document: references that do not resolve,
duplicate ids and version numbers, missing deployments, parent cycles.

The checker never trusts the schema pass: entities may have fields of the
wrong type, and each rule skips what it cannot read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from mlspec.findings import RULES, Finding
from mlspec.reader import MAX_DEPTH
from mlspec.rule_index import MemoryIndex, RuleIndex
from mlspec.schema_check import shorten
from mlspec.spec import escape_pointer
from mlspec.timestamps import TimestampError, parse_timestamp

DURATION_TOLERANCE_S = 1.0
"""Largest difference, in seconds, between a run's duration and end_time minus start_time."""

RUN_KINDS = ("run", "training_run")

STRICT_ID_PATTERNS = {
    "experiment": re.compile(r"EXP-(?:[0-9]{8}|[0-9]{14})"),
    "run": re.compile(r"RUN-(?:[0-9]{10}|[0-9]{14})"),
}
"""Id patterns of the strict profile: a prefix and a sequence number or a timestamp."""


@dataclass
class RuleChecker:
    """Collect ids and facts entity by entity, then report the cross-entity findings."""

    name: str
    strict_ids: bool = False
    findings: list[Finding] = field(default_factory=list)
    index: RuleIndex = field(default_factory=MemoryIndex)
    _versions: dict[str, tuple[str | None, str | None, str]] = field(
        default_factory=dict
    )
    _version_numbers: dict[tuple[str, int], str] = field(default_factory=dict)
    _aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    _deployments: dict[str, tuple[str | None, str | None, str | None, str]] = field(
        default_factory=dict
    )
    _served: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def report(self, pointer: str, rule: str, message: str) -> None:
        self.findings.append(
            Finding(
                file=self.name,
                pointer=pointer,
                rule=rule,
                severity=RULES[rule].severity,
                message=message,
            )
        )

    # Entities -----------------------------------------------------------------

    def add(self, kind: str, entity: Any, pointer: str, id_field: str) -> None:
        """Check one entity of ``kind`` found at ``pointer``."""
        if not isinstance(entity, dict):
            return
        self._register_id(kind, _text(entity, id_field), f"{pointer}/{id_field}")
        if self.strict_ids and kind in STRICT_ID_PATTERNS:
            self._check_strict_id(kind, entity, pointer, id_field)
        handler = getattr(self, f"_add_{kind}", None)
        if handler is not None:
            handler(entity, pointer)
        for field_name, value in entity.items():
            if field_name.startswith("x-"):
                self._check_depth(value, f"{pointer}/{escape_pointer(field_name)}")

    def _check_depth(self, value: Any, pointer: str) -> None:
        """Report free-form JSON nested deeper than the reader's limit, without recursion."""
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if depth > MAX_DEPTH:
                message = f"nesting is deeper than {MAX_DEPTH} levels"
                self.report(pointer, "parse-too-deep", message)
                return
            if type(item) is dict:
                children = item.values()
            elif type(item) is list:
                children = item
            else:
                continue
            stack.extend(
                (child, depth + 1) for child in children if type(child) in (dict, list)
            )

    def _check_strict_id(
        self, kind: str, entity: dict, pointer: str, id_field: str
    ) -> None:
        entity_id = _text(entity, id_field)
        pattern = STRICT_ID_PATTERNS[kind]
        if entity_id is not None and not pattern.fullmatch(entity_id):
            message = f"{id_field} {shorten(entity_id)} does not match the strict pattern {pattern.pattern}"
            self.report(f"{pointer}/{id_field}", "id-pattern-strict", message)

    def _register_id(
        self, kind: str, entity_id: str | None, pointer: str, scope: str = ""
    ) -> None:
        if entity_id is None:
            return
        first = self.index.add_id(kind + scope, entity_id, pointer)
        if first is not None:
            message = (
                f"{kind} id {shorten(entity_id)} is already used at {_where(first)}"
            )
            self.report(pointer, "id-duplicate", message)

    def _ref(
        self, kinds: tuple[str, ...], entity: dict, field_name: str, pointer: str
    ) -> None:
        target = _text(entity, field_name)
        if target is not None:
            self._expect(kinds, target, f"{pointer}/{field_name}", field_name)

    def _expect(
        self, kinds: tuple[str, ...], target: str, pointer: str, field_name: str
    ) -> None:
        """Check a reference now if its target is known, else keep it for ``finish``."""
        if not any(self.index.has_id(kind, target) for kind in kinds):
            self.index.add_pending(kinds, target, pointer, field_name)

    def _add_experiment(self, entity: dict, pointer: str) -> None:
        pass

    def _add_run(self, entity: dict, pointer: str) -> None:
        self._ref(("experiment",), entity, "experiment_id", pointer)
        run_id, parent = _text(entity, "run_id"), _text(entity, "parent_run_id")
        if parent is not None:
            self._ref(("run",), entity, "parent_run_id", pointer)
            if run_id is not None:
                self.index.add_parent(run_id, parent, f"{pointer}/parent_run_id")
        for index, artifact in enumerate(_list(entity, "artifacts")):
            if isinstance(artifact, dict):
                self._register_id(
                    "artifact",
                    _text(artifact, "artifact_id"),
                    f"{pointer}/artifacts/{index}/artifact_id",
                )
        self._check_times(entity, pointer, "start_time", "end_time")
        self._check_duration(entity, pointer)
        if entity.get("run_status") == "Finished":
            self._check_finished(entity, pointer)

    def _check_finished(self, entity: dict, pointer: str) -> None:
        if entity.get("end_time") is None:
            self.report(
                f"{pointer}/run_status",
                "run-finished-no-end-time",
                "run is Finished but has no end_time",
            )
        if not entity.get("metrics"):
            self.report(
                f"{pointer}/run_status",
                "run-finished-no-metric",
                "run is Finished but has no metric",
            )

    def _check_times(
        self, entity: dict, pointer: str, start_field: str, end_field: str
    ) -> None:
        start, end = _time(entity, start_field), _time(entity, end_field)
        if start is not None and end is not None and end < start:
            message = f"{end_field} {shorten(entity[end_field])} is before {start_field} {shorten(entity[start_field])}"
            self.report(f"{pointer}/{end_field}", "time-end-before-start", message)

    def _check_duration(self, entity: dict, pointer: str) -> None:
        duration = entity.get("duration")
        if not isinstance(duration, (int, float)) or isinstance(duration, bool):
            return
        start, end = _time(entity, "start_time"), _time(entity, "end_time")
        if start is None or end is None:
            return
        actual = (end - start) / 1_000_000
        if abs(actual - duration) > DURATION_TOLERANCE_S:
            message = f"duration {shorten(duration)} s does not match end_time - start_time = {actual:g} s"
            self.report(f"{pointer}/duration", "duration-mismatch", message)

    def _add_experiment_comparison(self, entity: dict, pointer: str) -> None:
        compared = [
            item for item in _list(entity, "experiment_ids") if isinstance(item, str)
        ]
        for index, experiment_id in enumerate(compared):
            self._expect(
                ("experiment",),
                experiment_id,
                f"{pointer}/experiment_ids/{index}",
                "experiment_ids",
            )
        best = _text(entity, "best_experiment_id")
        if best is not None and best not in compared:
            message = f"best_experiment_id {shorten(best)} is not one of the compared experiment_ids"
            self.report(
                f"{pointer}/best_experiment_id", "comparison-best-not-compared", message
            )
        metrics = entity.get("comparison_metrics")
        if isinstance(metrics, dict):
            for experiment_id in metrics:
                if experiment_id not in compared:
                    self.report(
                        f"{pointer}/comparison_metrics",
                        "ref-unresolved",
                        f"comparison_metrics names {shorten(experiment_id)}, which is not one of experiment_ids",
                    )

    def _add_training_definition(self, entity: dict, pointer: str) -> None:
        data_config = entity.get("data_config")
        if isinstance(data_config, dict):
            preprocessing = data_config.get("data_preprocessing")
            self._check_depth(
                preprocessing, f"{pointer}/data_config/data_preprocessing"
            )

    def _add_training_run(self, entity: dict, pointer: str) -> None:
        self._ref(("training_definition",), entity, "definition_id", pointer)
        self._check_times(entity, pointer, "start_time", "end_time")
        run_id = _text(entity, "run_id") or pointer
        for index, iteration in enumerate(_list(entity, "training_iterations")):
            if isinstance(iteration, dict):
                iteration_pointer = (
                    f"{pointer}/training_iterations/{index}/iteration_id"
                )
                self._register_id(
                    "training_iteration",
                    _text(iteration, "iteration_id"),
                    iteration_pointer,
                    scope=f"@{run_id}",
                )

    def _add_training_metric(self, entity: dict, pointer: str) -> None:
        self._ref(("training_run",), entity, "run_id", pointer)

    def _add_model_version(self, entity: dict, pointer: str) -> None:
        self._ref(("registered_model",), entity, "model_id", pointer)
        self._ref(RUN_KINDS, entity, "run_id", pointer)
        model_id, version_id = _text(entity, "model_id"), _text(entity, "version_id")
        if version_id is not None:
            self._versions.setdefault(
                version_id, (model_id, _text(entity, "version_stage"), pointer)
            )
        number = entity.get("version_number")
        if (
            model_id is not None
            and isinstance(number, int)
            and not isinstance(number, bool)
        ):
            first = self._version_numbers.setdefault((model_id, number), pointer)
            if first != pointer:
                message = f"model {shorten(model_id)} already has version_number {number} at {_where(first)}"
                self.report(
                    f"{pointer}/version_number", "version-number-duplicate", message
                )
        for index, alias in enumerate(_list(entity, "aliases")):
            if model_id is not None and isinstance(alias, str):
                first = self._aliases.setdefault((model_id, alias), pointer)
                if first != pointer:
                    message = f"alias {shorten(alias)} of model {shorten(model_id)} is already on the version at {_where(first)}"
                    self.report(
                        f"{pointer}/aliases/{index}", "alias-duplicate", message
                    )

    def _add_model_metadata(self, entity: dict, pointer: str) -> None:
        self._ref(("registered_model",), entity, "model_id", pointer)
        if entity.get("version_id") is not None:
            self._ref(("model_version",), entity, "version_id", pointer)
        self._check_depth(entity.get("metadata_value"), f"{pointer}/metadata_value")
        expected = _METADATA_TYPES.get(_text(entity, "metadata_type") or "")
        if (
            "metadata_value" in entity
            and expected is not None
            and not expected(entity["metadata_value"])
        ):
            message = f"metadata_value {shorten(entity['metadata_value'])} is not a {entity['metadata_type']}"
            self.report(
                f"{pointer}/metadata_value", "metadata-type-mismatch", message[:200]
            )

    def _add_model_deployment(self, entity: dict, pointer: str) -> None:
        self._ref(("registered_model",), entity, "model_id", pointer)
        self._ref(("model_version",), entity, "version_id", pointer)
        deployment_id = _text(entity, "deployment_id")
        if deployment_id is not None:
            facts = (
                _text(entity, "model_id"),
                _text(entity, "version_id"),
                _text(entity, "deployment_status"),
                pointer,
            )
            self._deployments.setdefault(deployment_id, facts)
        scaling = (
            (entity.get("deployment_config") or {}).get("auto_scaling")
            if isinstance(entity.get("deployment_config"), dict)
            else None
        )
        if isinstance(scaling, dict):
            low, high = (
                scaling.get("min_instances", 1),
                scaling.get("max_instances", 10),
            )
            if isinstance(low, int) and isinstance(high, int) and low > high:
                message = f"min_instances {low} is greater than max_instances {high}"
                self.report(
                    f"{pointer}/deployment_config/auto_scaling/min_instances",
                    "autoscaling-min-above-max",
                    message,
                )

    def _add_model_api(self, entity: dict, pointer: str) -> None:
        self._ref(("model_deployment",), entity, "deployment_id", pointer)
        deployment_id = _text(entity, "deployment_id")
        if deployment_id is not None:
            self._served["api@" + deployment_id].add(pointer)
        for field_name in ("request_schema", "response_schema"):
            self._check_api_schema(entity, field_name, pointer)

    def _check_api_schema(self, entity: dict, field_name: str, pointer: str) -> None:
        schema = entity.get(field_name)
        if not isinstance(schema, (dict, bool)):
            return
        self._check_depth(schema, f"{pointer}/{field_name}")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            where = "".join(
                f"/{escape_pointer(str(part))}" for part in error.absolute_path
            )
            message = (
                f"{field_name} is not a valid JSON Schema: {_schema_problem(error)}"
            )
            self.report(f"{pointer}/{field_name}{where}", "api-schema-invalid", message)
        except RecursionError:
            self.report(
                f"{pointer}/{field_name}",
                "api-schema-invalid",
                f"{field_name} is nested too deeply to check",
            )

    def _add_model_monitoring(self, entity: dict, pointer: str) -> None:
        self._ref(("model_deployment",), entity, "deployment_id", pointer)
        deployment_id = _text(entity, "deployment_id")
        if deployment_id is not None:
            self._served["monitoring@" + deployment_id].add(pointer)
        for list_name, id_field, kind in (
            ("monitoring_metrics", "metric_id", "monitoring_metric"),
            ("prediction_logs", "log_id", "prediction_log"),
        ):
            for index, item in enumerate(_list(entity, list_name)):
                if isinstance(item, dict):
                    item_pointer = f"{pointer}/{list_name}/{index}"
                    self._register_id(
                        kind, _text(item, id_field), f"{item_pointer}/{id_field}"
                    )
                    for data_field in ("input_data", "output_data"):
                        self._check_depth(
                            item.get(data_field), f"{item_pointer}/{data_field}"
                        )

    # Whole document -----------------------------------------------------------

    def finish(self) -> list[Finding]:
        """Report the rules that need every entity, and return all findings."""
        self._check_refs()
        self._check_deployments()
        self._check_production_versions()
        self._check_active_deployments()
        self._check_parent_cycles()
        return self.findings

    def _check_refs(self) -> None:
        for kinds, target, pointer, field_name in self.index.pending():
            if not any(self.index.has_id(kind, target) for kind in kinds):
                wanted = " or ".join(kind.replace("_", " ") for kind in kinds)
                message = f"{field_name} {shorten(target)} does not match any {wanted} in the document"
                self.report(pointer, "ref-unresolved", message)

    def _check_deployments(self) -> None:
        for model_id, version_id, _, pointer in self._deployments.values():
            version = self._versions.get(version_id) if version_id else None
            if version is None or model_id is None or version[0] is None:
                continue
            if version[0] != model_id:
                message = f"model_id {shorten(model_id)} is not the model of version {shorten(version_id)}, which is {shorten(version[0])}"
                self.report(f"{pointer}/model_id", "deployment-model-mismatch", message)

    def _check_production_versions(self) -> None:
        active = {
            version_id
            for (_, version_id, status, _) in self._deployments.values()
            if status == "Active"
        }
        for version_id, (_, stage, pointer) in self._versions.items():
            if stage == "Production" and version_id not in active:
                message = f"version {shorten(version_id)} is in Production but no Active deployment serves it"
                self.report(
                    f"{pointer}/version_stage",
                    "production-no-active-deployment",
                    message,
                )

    def _check_active_deployments(self) -> None:
        for deployment_id, (_, _, status, pointer) in self._deployments.items():
            if status != "Active":
                continue
            if not self._served.get("api@" + deployment_id):
                self.report(
                    f"{pointer}/deployment_status",
                    "active-deployment-no-api",
                    f"deployment {shorten(deployment_id)} is Active but has no model API",
                )
            if not self._served.get("monitoring@" + deployment_id):
                self.report(
                    f"{pointer}/deployment_status",
                    "active-deployment-no-monitoring",
                    f"deployment {shorten(deployment_id)} is Active but has no monitoring entry",
                )

    def _check_parent_cycles(self) -> None:
        reported: set[str] = set()
        for start in self.index.children():
            path: list[str] = []
            seen: set[str] = set()
            current: str | None = start
            link = self.index.parent_of(start)
            while link is not None and current not in seen:
                seen.add(current)
                path.append(current)
                current = link[0]
                link = self.index.parent_of(current)
            if current not in seen or current in reported:
                continue
            cycle = path[path.index(current) :]
            reported.update(cycle)
            chain = " -> ".join(shorten(run_id) for run_id in [*cycle, current])
            self.report(
                self.index.parent_of(current)[1],
                "run-parent-cycle",
                f"parent runs form a cycle: {chain}",
            )


_SCHEMA_MESSAGE_LENGTH = 120


def _schema_problem(error: SchemaError) -> str:
    """Return python-jsonschema's message, or a short one when it quotes a long value."""
    if len(error.message) <= _SCHEMA_MESSAGE_LENGTH:
        return error.message
    return f"{shorten(error.instance)} fails the {error.validator!r} check"


def _where(pointer: str) -> str:
    """Name a location for a message: ``line N`` for a JSON Lines record, else the pointer."""
    at, _, rest = pointer.partition("/")
    if at.startswith("@") and at[1:].isdigit():
        return f"line {at[1:]}" + (f" (/{rest})" if rest else "")
    return pointer


def _text(entity: dict, field_name: str) -> str | None:
    value = entity.get(field_name)
    return value if isinstance(value, str) else None


def _list(entity: dict, field_name: str) -> list:
    value = entity.get(field_name)
    return value if isinstance(value, list) else []


def _time(entity: dict, field_name: str) -> int | None:
    value = entity.get(field_name)
    if not isinstance(value, str):
        return None
    try:
        return parse_timestamp(value).epoch_us
    except TimestampError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_METADATA_TYPES = {
    "String": lambda value: isinstance(value, str),
    "Number": _is_number,
    "Boolean": lambda value: isinstance(value, bool),
    "JSON": lambda value: True,
}


def iter_document_entities(spec, document: Any) -> Iterator[tuple[str, Any, str, str]]:
    """Yield ``(kind, entity, pointer, id field)`` for every entity of a document."""
    if not isinstance(document, dict):
        return
    for entity_kind in spec.entities:
        section = document.get(entity_kind.section)
        if not isinstance(section, dict):
            continue
        items = section.get(entity_kind.list_name)
        if not isinstance(items, list):
            continue
        for index, entity in enumerate(items):
            yield (
                entity_kind.kind,
                entity,
                f"{entity_kind.pointer}/{index}",
                entity_kind.id_field,
            )
