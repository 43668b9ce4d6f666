"""Validate documents: reading, the schema pass, the cross-entity rules, positions.

``validate`` is the library entry point. It accepts a path (JSON, YAML or
JSON Lines by suffix), ``"-"`` for standard input, or an already-parsed
document, and returns a ``ValidationReport``. Findings get their line and
column only after all checks ran, and only for the pointers that failed.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlspec.compat.versions import version_message
from mlspec.errors import InputError, UsageError
from mlspec.findings import RULES, Finding, Severity, sort_key
from mlspec.reader import (
    MAX_DEPTH,
    ParsedDocument,
    check_depth,
    decode,
    iter_jsonl,
    open_lines,
    parse_json_bytes,
    parse_text,
    read_bytes,
    sniff_format,
    suffix_format,
)
from mlspec.rule_index import SqliteIndex
from mlspec.rules import RuleChecker, iter_document_entities
from mlspec.schema_check import schema_findings, shorten
from mlspec.spec import Spec, escape_pointer, load_spec

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml", ".jsonl", ".ndjson")

PROFILES = ("default", "strict")

VERSION_PATTERN = re.compile(r"[0-9]+\.[0-9]+")

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
    def checked(self) -> list[str]:
        """Every input, once per time it was named, readable or not."""
        return self.files + [name for name in self.unreadable if name not in self.files]

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
        if not _plain_json(source):
            parsed.findings = _in_memory_findings(parsed) or _too_deep(spec, parsed)
        if parsed.findings:
            return ValidationReport(
                findings=parsed.findings, files=[parsed.name], unreadable=[parsed.name]
            )
        report = _validate_parsed(spec, parsed, strict_ids)
    else:
        report = _validate_file(spec, source, name, strict_ids)
    report.findings = sorted(policy.apply(report.findings), key=sort_key)
    return report


_JSON_SCALARS = (str, int, float, bool, type(None))
_NON_FINITE_NAMES = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_MAX_IN_MEMORY_FINDINGS = 100


def _plain_json(document: Any) -> bool:
    """Return whether ``document`` contains only JSON values, at most ``MAX_DEPTH`` deep.

    Every document passed as Python data gets this fast walk, with exact
    type checks and no pointers. Only when it fails do the slower walks
    build findings.
    """
    stack = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        # Only dicts and lists go on the stack; ``validate`` passes no other root.
        if type(value) is dict:
            if not all(type(key) is str for key in value):
                return False
            children: Iterable[Any] = value.values()
        else:
            children = value
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                if depth >= MAX_DEPTH:
                    return False
                stack.append((child, depth + 1))
            elif kind is float:
                if not math.isfinite(child):
                    return False
            elif kind not in _PLAIN_SCALARS and kind is not str:
                return False
    return True


_PLAIN_SCALARS = {int, bool, type(None)}


def _too_deep(spec: Spec, parsed: ParsedDocument) -> list[Finding]:
    """Report nesting beyond ``MAX_DEPTH`` in a document passed as Python data.

    The rules name the free-form field that nests too deeply. For deep
    values elsewhere, ``check_depth`` names the value at the limit. Either
    way the document skips the schema pass, because python-jsonschema
    recurses into it.
    """
    checker = RuleChecker(parsed.name)
    for kind, entity, pointer, id_field in iter_document_entities(
        spec, parsed.instance
    ):
        checker.add(kind, entity, pointer, id_field)
    found = [
        finding for finding in checker.findings if finding.rule == "parse-too-deep"
    ]
    if found:
        return found
    check_depth(parsed)
    return parsed.findings


def _in_memory_findings(parsed: ParsedDocument) -> list[Finding]:
    """Report values that JSON cannot hold in a document passed as Python data.

    The readers never build these, but a caller's dict may hold bytes,
    tuples, keys that are not strings, or float NaN and infinities, which
    the in-memory form writes as the strings "NaN", "Infinity" and
    "-Infinity". The walk is iterative, stops after 100 findings and stops
    below ``MAX_DEPTH``, so a container that contains itself ends it too:
    ``check_depth`` then reports the nesting.
    """
    findings: list[Finding] = []
    stack: list[tuple[Any, str, int]] = [(parsed.instance, "", 0)]
    while stack and len(findings) < _MAX_IN_MEMORY_FINDINGS:
        value, pointer, depth = stack.pop()
        if depth > MAX_DEPTH:
            break
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    message = (
                        f"key {shorten(key)} is not a string; JSON keys are strings"
                    )
                    findings.append(
                        _record_finding(parsed.name, pointer, "schema-type", message)
                    )
                    continue
                stack.append((item, f"{pointer}/{escape_pointer(key)}", depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{pointer}/{index}", depth + 1)
                for index, item in enumerate(value)
            )
        elif isinstance(value, float) and not math.isfinite(value):
            name = _NON_FINITE_NAMES[str(value)]
            message = (
                f"float {value} is not JSON; the in-memory form writes it as {name!r}"
            )
            findings.append(
                _record_finding(parsed.name, pointer, "number-not-finite", message)
            )
        elif not isinstance(value, _JSON_SCALARS):
            message = f"{type(value).__name__} {shorten(value)} is not a JSON value"
            findings.append(
                _record_finding(parsed.name, pointer, "schema-type", message)
            )
    return findings


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
    if fmt == "json":
        return _validate_parsed(spec, parse_json_bytes(display, data), strict_ids)
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
    found.extend(_version_findings(spec, instance, parsed.name))
    checker = RuleChecker(parsed.name, strict_ids=strict_ids)
    for kind, entity, pointer, id_field in iter_document_entities(spec, instance):
        checker.add(kind, entity, pointer, id_field)
    found.extend(checker.finish())
    report.findings.extend(_locate(found, parsed.locator))
    return report


def _version_findings(spec: Spec, instance: Any, name: str) -> list[Finding]:
    """Report a missing spec_version, or one this mlspec cannot read."""
    if not isinstance(instance, dict):
        return []
    if "spec_version" not in instance:
        return [_version_missing(name)]
    declared = instance["spec_version"]
    if not isinstance(declared, str) or not VERSION_PATTERN.fullmatch(declared):
        return []
    message = version_message(declared, spec.version)
    if message is None:
        return []
    rule = "spec-version-unknown"
    return [
        Finding(
            file=name,
            pointer="/spec_version",
            rule=rule,
            severity=RULES[rule].severity,
            message=message,
        )
    ]


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
        found = schema_findings(spec, spec.document_uri, entity, record.name)
        if "spec_version" in entity:
            found.extend(_version_findings(spec, entity, record.name))
        return found

    entity = dict(entity)
    kind = entity.pop("kind", None)
    try:
        entity_kind = spec.entity(kind) if isinstance(kind, str) else None
    except KeyError:
        entity_kind = None
    if entity_kind is None:
        kinds = ", ".join(item.kind for item in spec.entities)
        if "kind" not in record.instance:
            message = f"the record has no kind field; expected one of: {kinds}"
            return [_record_finding(record.name, "", "jsonl-kind", message)]
        message = f"record kind {shorten(kind)} is not one of: {kinds}"
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
