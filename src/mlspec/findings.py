"""Validation findings and the catalogue of rule codes.

Every problem the validator reports is a ``Finding`` with a stable rule code
from ``RULES``. ``docs/rules.md`` has one heading per code, and a test keeps
the two lists equal.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


class Severity(enum.StrEnum):
    """How much a finding matters: errors make a document invalid."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    """A rule code with its default severity and a one-line summary."""

    code: str
    severity: Severity
    summary: str
    configurable: bool = False


def _catalogue(*rules: Rule) -> dict[str, Rule]:
    return {rule.code: rule for rule in rules}


E, W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = _catalogue(
    # Reading the input.
    Rule(
        "io-unreadable", E, "The input cannot be read: missing, a directory or denied."
    ),
    Rule("parse-encoding", E, "The input is not valid UTF-8."),
    Rule("parse-bom", W, "The input starts with a UTF-8 byte order mark."),
    Rule("parse-empty", E, "The input is empty."),
    Rule("parse-json", E, "The input is not well-formed JSON."),
    Rule("parse-yaml", E, "The input is not well-formed YAML."),
    Rule(
        "parse-non-finite", E, "A bare NaN or Infinity token, which JSON does not have."
    ),
    Rule("parse-number-range", E, "A number too large for a double, such as 1e400."),
    Rule("parse-duplicate-key", E, "An object or mapping has the same key twice."),
    Rule("parse-too-deep", E, "Nesting deeper than the reader's limit."),
    Rule("parse-too-large", E, "YAML aliases expand beyond the reader's limit."),
    Rule("parse-yaml-tag", E, "A YAML tag that safe loading does not allow."),
    Rule("jsonl-kind", E, "A JSON Lines record has a missing or unknown kind."),
    # The schema.
    Rule("schema-type", E, "A value has the wrong JSON type."),
    Rule("schema-required", E, "A required field is missing."),
    Rule("schema-additional-property", E, "A field the spec does not define."),
    Rule("schema-enum", E, "A value outside the allowed set."),
    Rule("schema-const", E, "A value other than the one allowed."),
    Rule("schema-range", E, "A number outside its allowed range."),
    Rule("schema-length", E, "A string or list that is too short or too long."),
    Rule("schema-pattern", E, "A string that does not match its pattern."),
    Rule("schema-unique-items", E, "A list that repeats an item."),
    Rule("schema-invalid", E, "Any other schema violation."),
    Rule(
        "number-not-finite",
        E,
        "NaN or an infinity where only a finite number is allowed.",
    ),
    Rule("timestamp-invalid", E, "A timestamp that is not an RFC 3339 date-time."),
    Rule("timestamp-naive", W, "A timestamp without a UTC offset, read as UTC."),
    Rule("spec-version-missing", W, "The document does not declare spec_version."),
    Rule(
        "spec-version-unknown",
        E,
        "The document declares a spec_version this mlspec does not know.",
    ),
    # Cross-entity rules.
    Rule("id-duplicate", E, "Two entities of one list share an id."),
    Rule(
        "ref-unresolved",
        E,
        "A reference to an entity that the document does not contain.",
    ),
    Rule("run-finished-no-end-time", E, "A Finished run without end_time.", True),
    Rule("run-finished-no-metric", E, "A Finished run without any metric.", True),
    Rule("time-end-before-start", E, "An end time earlier than its start time."),
    Rule(
        "duration-mismatch",
        E,
        "A duration that differs from end_time minus start_time.",
    ),
    Rule(
        "version-number-duplicate", E, "Two versions of one model with the same number."
    ),
    Rule(
        "deployment-model-mismatch",
        E,
        "A deployment whose model_id is not its version's model.",
    ),
    Rule(
        "production-no-active-deployment",
        E,
        "A Production version without an Active deployment.",
        True,
    ),
    Rule("active-deployment-no-api", E, "An Active deployment without an API.", True),
    Rule(
        "active-deployment-no-monitoring",
        E,
        "An Active deployment without monitoring.",
        True,
    ),
    Rule("run-parent-cycle", E, "Nested runs whose parent links form a cycle."),
    Rule("alias-duplicate", E, "One alias on two versions of the same model."),
    Rule(
        "metadata-type-mismatch",
        E,
        "A metadata_value whose JSON type differs from metadata_type.",
    ),
    Rule(
        "autoscaling-min-above-max",
        E,
        "auto_scaling min_instances above max_instances.",
    ),
    Rule(
        "api-schema-invalid",
        E,
        "A request or response schema that is not valid JSON Schema.",
    ),
    Rule(
        "comparison-best-not-compared",
        E,
        "best_experiment_id is not among experiment_ids.",
    ),
    Rule(
        "id-pattern-strict",
        E,
        "An id that breaks the strict prefixed pattern (opt-in profile).",
    ),
    # MLflow's limits, checked by mlspec mlflow export before anything is written.
    Rule(
        "mlflow-key-invalid",
        E,
        "A key that MLflow rejects: too long or with a character it does not allow.",
    ),
    Rule(
        "mlflow-value-too-long",
        E,
        "A value longer than MLflow or its SQL columns allow.",
    ),
    Rule("mlflow-name-invalid", E, "A registered model name that MLflow rejects."),
    Rule(
        "mlflow-alias-reserved",
        E,
        "An alias that MLflow reserves: latest or v<number>.",
    ),
    Rule("mlflow-alias-invalid", E, "An alias with characters MLflow does not allow."),
    Rule(
        "mlflow-parent-missing",
        E,
        "A parent_run_id that is not a run of the exported document.",
    ),
    Rule(
        "mlflow-parent-cycle",
        E,
        "Parent links that MLflow cannot create because they form a cycle.",
    ),
)

BUSINESS_RULES = tuple(code for code, rule in RULES.items() if rule.configurable)


@dataclass(frozen=True)
class Finding:
    """One problem found in an input.

    ``line`` and ``column`` are 1-based and ``None`` when the position is not
    known. ``pointer`` is the JSON pointer of the instance inside the
    document (inside the record, for JSON Lines), and ``schema_path`` the
    JSON pointer of the schema keyword that failed, when a schema check
    produced the finding.
    """

    file: str
    pointer: str
    rule: str
    severity: Severity
    message: str
    line: int | None = None
    column: int | None = None
    schema_path: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, object]:
        """Return the finding as JSON-ready data, with the keys of ``--format json``."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data.pop("extra")
        return data

    def format_text(self) -> str:
        """Return ``file:line:col: pointer: message [rule]``."""
        line = self.line if self.line is not None else 0
        column = self.column if self.column is not None else 0
        pointer = self.pointer or "/"
        prefix = "" if self.severity is Severity.ERROR else f"{self.severity.value}: "
        return f"{self.file}:{line}:{column}: {pointer}: {prefix}{self.message} [{self.rule}]"


def sort_key(finding: Finding) -> tuple[str, int, int, str, str]:
    """Order findings by file, then position, then pointer and rule."""
    return (
        finding.file,
        finding.line or 0,
        finding.column or 0,
        finding.pointer,
        finding.rule,
    )
