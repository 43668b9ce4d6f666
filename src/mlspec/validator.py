"""Validate documents: reading, the schema pass, the cross-entity rules, positions.

``validate`` is the library entry point. It accepts a path (JSON, YAML or
JSON Lines by suffix), ``"-"`` for standard input, or an already-parsed
document, and returns a ``ValidationReport``. Findings get their line and
column only after all checks ran, and only for the pointers that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlspec.errors import InputError, UsageError
from mlspec.findings import RULES, Finding, Severity, sort_key
from mlspec.reader import (
    ParsedDocument,
    decode,
    iter_jsonl,
    open_lines,
    parse_text,
    read_bytes,
    sniff_format,
    suffix_format,
)
from mlspec.rule_index import SqliteIndex
from mlspec.rules import RuleChecker, iter_document_entities
from mlspec.schema_check import schema_findings
from mlspec.spec import Spec, load_spec

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".ndjson")

PROFILES = ("default", "strict")

SeverityConfig = dict[str, str]
"""Rule code to ``"error"``, ``"warning"`` or ``"off"``, for the configurable rules."""


@dataclass
class ValidationReport:
    """Findings of one validation run over one or more inputs."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [
            finding for finding in self.findings if finding.severity is Severity.ERROR
        ]

    @property
    def warnings(self) -> list[Finding]:
        return [
            finding for finding in self.findings if finding.severity is Severity.WARNING
        ]

    @property
    def valid(self) -> bool:
        """Whether no finding is an error."""
        return not self.errors

    def extend(self, other: ValidationReport) -> None:
        self.findings.extend(other.findings)
        self.files.extend(other.files)
        self.unreadable.extend(other.unreadable)


def validate(
    source: str | Path | dict | list,
    *,
    name: str | None = None,
    severities: SeverityConfig | None = None,
    strict: bool = False,
    profile: str = "default",
    spec: Spec | None = None,
) -> ValidationReport:
    """Validate one document against the spec and the cross-entity rules.

    ``source`` is a path, ``"-"`` for standard input, or a parsed document
    in mlspec's in-memory form. ``severities`` changes the severity of the
    business rules; ``strict`` turns every warning into an error;
    ``profile="strict"`` also requires the prefixed id patterns. Raises
    ``InputError`` when the file cannot be read at all.
    """
    spec = spec or load_spec()
    policy = _Policy(severities or {}, strict)
    if profile not in PROFILES:
        raise UsageError(
            f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}"
        )
    strict_ids = profile == "strict"
    if isinstance(source, (dict, list)):
        parsed = ParsedDocument(name or "<document>", source, None)
        report = _validate_parsed(spec, parsed, strict_ids)
    else:
        report = _validate_file(spec, source, name, strict_ids)
    report.findings = sorted(policy.apply(report.findings), key=sort_key)
    return report


def validate_paths(
    paths: Iterable[str | Path],
    *,
    severities: SeverityConfig | None = None,
    strict: bool = False,
    profile: str = "default",
    spec: Spec | None = None,
) -> ValidationReport:
    """Validate files and folders (searched recursively for documents)."""
    spec = spec or load_spec()
    report = ValidationReport()
    for path in expand_paths(paths):
        try:
            report.extend(
                validate(
                    path,
                    severities=severities,
                    strict=strict,
                    profile=profile,
                    spec=spec,
                )
            )
        except InputError as error:
            report.unreadable.append(str(path))
            report.findings.append(
                Finding(
                    file=str(path),
                    pointer="",
                    rule="io-unreadable",
                    severity=Severity.ERROR,
                    message=str(error).removeprefix(f"{path}: "),
                )
            )
    return report


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | Path]:
    """Yield the paths, with each folder replaced by the documents below it, in sorted order."""
    for path in paths:
        if str(path) != "-" and Path(path).is_dir():
            found = sorted(
                candidate
                for candidate in Path(path).rglob("*")
                if candidate.suffix.lower() in DOCUMENT_SUFFIXES
                and candidate.is_file()
                and not any(
                    part.startswith(".") for part in candidate.relative_to(path).parts
                )
            )
            if not found:
                raise UsageError(
                    f"{path}: no documents (*.json, *.yaml, *.yml, *.jsonl) in this folder"
                )
            yield from found
        else:
            yield path


def _validate_file(
    spec: Spec, source: str | Path, name: str | None, strict_ids: bool
) -> ValidationReport:
    fmt = suffix_format(source) if str(source) != "-" else None
    if fmt == "jsonl":
        return _validate_jsonl(spec, source, strict_ids)

    display, data = read_bytes(source)
    display = name or display
    text, findings = decode(display, data)
    if text is None:
        return ValidationReport(
            findings=findings, files=[display], unreadable=[display]
        )
    fmt = fmt or sniff_format(text)
    if fmt == "jsonl":
        lines = iter(text.encode().splitlines(keepends=True))
        records = iter_jsonl(display, lines)
        return _validate_records(spec, display, records, findings, strict_ids)
    parsed = parse_text(display, text, fmt)
    parsed.findings[:0] = findings
    return _validate_parsed(spec, parsed, strict_ids)


def _validate_parsed(
    spec: Spec, parsed: ParsedDocument, strict_ids: bool = False
) -> ValidationReport:
    report = ValidationReport(findings=list(parsed.findings), files=[parsed.name])
    if not parsed.readable:
        report.unreadable.append(parsed.name)
        return report

    instance = parsed.instance
    found = schema_findings(spec, spec.document_uri, instance, parsed.name)
    if isinstance(instance, dict) and "spec_version" not in instance:
        found.append(_version_missing(parsed.name))
    checker = RuleChecker(parsed.name, strict_ids=strict_ids)
    for kind, entity, pointer, id_field in iter_document_entities(spec, instance):
        checker.add(kind, entity, pointer, id_field)
    found.extend(checker.finish())
    report.findings.extend(_locate(found, parsed.locator))
    return report


def _version_missing(name: str) -> Finding:
    return Finding(
        file=name,
        pointer="",
        rule="spec-version-missing",
        severity=RULES["spec-version-missing"].severity,
        message="the document does not declare spec_version; it is read as the current version",
    )


def _validate_jsonl(
    spec: Spec, source: str | Path, strict_ids: bool
) -> ValidationReport:
    name, lines = open_lines(source)
    return _validate_records(spec, name, iter_jsonl(name, lines), [], strict_ids)


def _validate_records(
    spec: Spec,
    name: str,
    records: Iterator[ParsedDocument],
    findings: list[Finding],
    strict_ids: bool = False,
) -> ValidationReport:
    """Validate JSON Lines records one at a time; only ids are kept between records."""
    report = ValidationReport(findings=list(findings), files=[name])
    checker = RuleChecker(name, strict_ids=strict_ids, index=SqliteIndex())
    try:
        for record in records:
            record_findings = list(record.findings)
            if record.readable:
                record_findings.extend(_validate_record(spec, record, checker))
            report.findings.extend(_locate(record_findings, record.locator))
            checker.findings = []
        report.findings.extend(_line_only(checker.finish(), checker))
    finally:
        checker.index.close()
    return report


def _validate_record(
    spec: Spec, record: ParsedDocument, checker: RuleChecker
) -> list[Finding]:
    entity = record.instance
    if not isinstance(entity, dict):
        return [
            _record_finding(
                record.name, "", "jsonl-kind", "a record must be a JSON object"
            )
        ]
    if set(entity) <= {"spec_version"}:
        return schema_findings(spec, spec.document_uri, entity, record.name)

    entity = dict(entity)
    kind = entity.pop("kind", None)
    try:
        entity_kind = spec.entity(kind) if isinstance(kind, str) else None
    except KeyError:
        entity_kind = None
    if entity_kind is None:
        kinds = ", ".join(item.kind for item in spec.entities)
        message = f"record kind {kind!r} is not one of: {kinds}"
        return [_record_finding(record.name, "/kind", "jsonl-kind", message)]

    found = schema_findings(spec, entity_kind.uri, entity, record.name)
    checker.add(
        entity_kind.kind, entity, f"@{record.line_offset + 1}", entity_kind.id_field
    )
    found.extend(_line_only(checker.findings, checker, local=True))
    return found


def _record_finding(name: str, pointer: str, rule: str, message: str) -> Finding:
    return Finding(
        file=name,
        pointer=pointer,
        rule=rule,
        severity=RULES[rule].severity,
        message=message,
    )


def _line_only(
    findings: list[Finding], checker: RuleChecker, local: bool = False
) -> list[Finding]:
    """Turn the checker's ``@<line>/field`` pointers into a line and a record pointer."""
    result = []
    for finding in findings:
        at, _, rest = finding.pointer.partition("/")
        line = int(at[1:]) if at.startswith("@") and at[1:].isdigit() else None
        if local:
            result.append(replace(finding, pointer="/" + rest if rest else ""))
        else:
            result.append(
                replace(
                    finding, pointer="/" + rest if rest else "", line=line, column=1
                )
            )
    return result


def _locate(findings: list[Finding], locator: Any) -> list[Finding]:
    """Fill in line and column from the source text, for findings that lack them."""
    missing = [finding.pointer for finding in findings if finding.line is None]
    if not missing or locator is None:
        return findings
    positions = locator.locate(missing)
    located = []
    for finding in findings:
        if finding.line is not None:
            located.append(finding)
            continue
        value_position, key_position = positions.get(finding.pointer, (None, None))
        position = (
            key_position
            if finding.extra.get("key") and key_position
            else value_position
        )
        if position is None:
            located.append(finding)
            continue
        located.append(replace(finding, line=position[0], column=position[1]))
    return located


@dataclass
class _Policy:
    """Severity overrides and ``--strict``, applied after every check ran."""

    severities: SeverityConfig
    strict: bool

    def __post_init__(self) -> None:
        for code, level in self.severities.items():
            if code not in RULES:
                raise UsageError(
                    f"unknown rule {code!r}; see docs/rules.md for the rule codes"
                )
            if not RULES[code].configurable:
                configurable = ", ".join(
                    code for code, rule in RULES.items() if rule.configurable
                )
                raise UsageError(
                    f"rule {code!r} has a fixed severity; configurable rules: {configurable}"
                )
            if level not in ("error", "warning", "off"):
                raise UsageError(
                    f"severity {level!r} for {code!r} must be error, warning or off"
                )

    def apply(self, findings: list[Finding]) -> list[Finding]:
        result = []
        for finding in findings:
            level = self.severities.get(finding.rule)
            if level == "off":
                continue
            severity = Severity(level) if level else finding.severity
            if self.strict:
                severity = Severity.ERROR
            result.append(
                finding
                if severity is finding.severity
                else replace(finding, severity=severity)
            )
        return result
