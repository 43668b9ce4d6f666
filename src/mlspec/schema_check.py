"""The JSON Schema pass of validation, turned into findings.

python-jsonschema does the checking. This module adds what the spec needs
on top: ``format: date-time`` with a warning for timestamps without an
offset, messages that never print a huge value in full, the schema file and
pointer of the failing keyword, and, when ``anyOf`` or ``oneOf`` fails, the
errors of the branch the instance meant rather than a summary of all.
"""

from __future__ import annotations

import reprlib
from functools import cache
from typing import Any
from urllib.parse import urljoin

import jsonschema_rs
import referencing
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from mlspec.findings import RULES, Finding
from mlspec.reader import NON_FINITE
from mlspec.spec import Spec, escape_pointer, join_pointer
from mlspec.timestamps import TimestampError, parse_timestamp

MAX_SHOWN = 80
"""Maximum length, in characters, of a value quoted in a message before it is cut short."""


class NaiveTimestamp(TimestampError):
    """A timestamp without a UTC offset: valid, but reported as a warning."""


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=TimestampError)
def _check_date_time(instance: object) -> bool:
    """Accept RFC 3339 date-times; raise to report why a string is not one.

    The checker travels with the validator into every referenced schema
    file, which a replaced ``format`` keyword would not: jsonschema picks a
    fresh validator class for each file that declares ``$schema``.
    """
    if not isinstance(instance, str):
        return True
    if parse_timestamp(instance).naive:
        raise NaiveTimestamp("no UTC offset")
    return True


@cache
def _validator_for(spec: Spec, uri: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": uri}, registry=spec.registry, format_checker=_FORMATS
    )


@cache
def _fast_validator_for(spec: Spec, uri: str):
    """Return a jsonschema-rs validator for ``uri``: the quick yes-or-no pass."""
    registry = jsonschema_rs.Registry(
        [(spec.uris[relative], schema) for relative, schema in spec.files.items()]
    )
    return jsonschema_rs.validator_for(
        {"$ref": uri}, registry=registry, validate_formats=True, offline=True
    )


def schema_findings(
    spec: Spec, uri: str, instance: Any, name: str, base: str = ""
) -> list[Finding]:
    """Validate ``instance`` against the schema at ``uri``; ``base`` prefixes every pointer.

    jsonschema-rs decides first whether anything fails. Only then does
    python-jsonschema, whose errors carry what findings need, check the
    failing entities: for a whole document, just the entities that
    jsonschema-rs reported, plus the document's frame.
    """
    fast = _fast_validator_for(spec, uri)
    try:
        if fast.is_valid(instance):
            return []
    except UnicodeEncodeError:
        # jsonschema-rs cannot take a string with a lone surrogate, which only
        # Python data passed to validate() can hold; the readers reject it.
        return _dedupe(_slow_findings(spec, uri, instance, name, base))
    if uri != spec.document_uri or not isinstance(instance, dict):
        return _dedupe(_slow_findings(spec, uri, instance, name, base))

    try:
        failing, frame_fails = _failing_entities(spec, fast, instance)
    except ValueError:
        # jsonschema-rs 0.61 raises "Recursion limit reached" when it turns an
        # instance nested 256 levels or deeper into an error object.
        return _dedupe(_slow_findings(spec, uri, instance, name, base))
    findings: list[Finding] = []
    if frame_fails:
        findings.extend(_slow_findings(spec, uri, _frame(instance), name, base))
    for section, list_name, index in sorted(failing):
        entity_uri = spec.entity(list_name).uri
        entity = instance[section][list_name][index]
        entity_base = f"{base}/{section}/{list_name}/{index}"
        findings.extend(_slow_findings(spec, entity_uri, entity, name, entity_base))
    return _dedupe(findings)


def _failing_entities(spec: Spec, fast, instance: dict) -> tuple[set, bool]:
    """Sort jsonschema-rs errors into failing entities and failures of the frame around them."""
    lists = {(entity.section, entity.list_name) for entity in spec.entities}
    failing: set[tuple[str, str, int]] = set()
    frame_fails = False
    for error in fast.iter_errors(instance):
        path = list(error.instance_path)
        if len(path) >= 3 and tuple(path[:2]) in lists and isinstance(path[2], int):
            failing.add((path[0], path[1], path[2]))
        else:
            frame_fails = True
    return failing, frame_fails


def _frame(document: dict) -> dict:
    """Return the document with every entity list emptied, to check what surrounds them."""
    frame = dict(document)
    for key, section in document.items():
        if isinstance(section, dict):
            frame[key] = {
                name: [] if isinstance(items, list) else items
                for name, items in section.items()
            }
    return frame


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop repeats, such as year 0000 failing both the pattern and the format."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for finding in findings:
        key = (finding.pointer, finding.rule, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _slow_findings(
    spec: Spec, uri: str, instance: Any, name: str, base: str
) -> list[Finding]:
    validator = _validator_for(spec, uri)
    findings: list[Finding] = []
    for error in validator.iter_errors(instance):
        findings.extend(_convert(spec, uri, error, name, base))
    return findings


def _convert(
    spec: Spec, uri: str, error: ValidationError, name: str, base: str
) -> list[Finding]:
    if error.validator in ("anyOf", "oneOf") and error.context:
        branch = _meant_branch(error)
        if branch is not None:
            findings = []
            for sub_error in branch:
                findings.extend(_convert(spec, uri, sub_error, name, base))
            return findings
        error = _merge_type_errors(error)

    pointer = base + join_pointer(error.absolute_path)
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        pointer += "/" + escape_pointer(error.instance)
    schema_path = _schema_location(spec, uri, list(error.absolute_schema_path))
    return [
        Finding(
            file=name,
            pointer=p,
            rule=rule,
            severity=RULES[rule].severity,
            message=message,
            schema_path=schema_path,
            extra={"key": is_key},
        )
        for p, rule, message, is_key in _describe(error, pointer)
    ]


def _meant_branch(error: ValidationError) -> list[ValidationError] | None:
    """Return the errors of the ``anyOf``/``oneOf`` branch whose type the instance has.

    A branch is meant when none of its errors is a type or const mismatch of
    the instance itself. With several such branches, the one whose errors
    reach deepest into the instance wins, because it matched the most.
    """
    branches: dict[int, list[ValidationError]] = {}
    for sub_error in error.context:
        branches.setdefault(sub_error.relative_schema_path[0], []).append(sub_error)
    meant = [
        errors
        for errors in branches.values()
        if not any(
            not sub.relative_path and sub.validator in ("type", "const")
            for sub in errors
        )
    ]
    if not meant:
        return None
    return max(meant, key=lambda errors: max(len(sub.absolute_path) for sub in errors))


def _merge_type_errors(error: ValidationError) -> ValidationError:
    """Turn an ``anyOf`` that no branch's type matched into one type error."""
    types: list[str] = []
    for sub_error in error.context:
        if sub_error.relative_path or sub_error.validator not in ("type", "const"):
            continue
        expected = sub_error.validator_value
        if sub_error.validator == "const":
            expected = ["null" if expected is None else repr(expected)]
        for name in [expected] if isinstance(expected, str) else expected:
            if name not in types:
                types.append(name)
    merged = ValidationError(
        error.message,
        validator="type",
        validator_value=types,
        instance=error.instance,
        path=error.relative_path,
        schema_path=error.relative_schema_path,
    )
    merged.parent = error.parent
    return merged


def _describe(error: ValidationError, pointer: str) -> list[tuple[str, str, str, bool]]:
    """Return ``(pointer, rule, message, points at a key)`` for one schema error."""
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "format" and isinstance(error.cause, NaiveTimestamp):
        message = f"{shorten(value)} has no UTC offset; it is read as UTC"
        return [(pointer, "timestamp-naive", message, False)]
    if keyword == "pattern" and error.schema.get("format") == "date-time":
        message = f"{shorten(value)} is not an RFC 3339 date-time: {_timestamp_problem(value)}"
        return [(pointer, "timestamp-invalid", message, False)]
    if keyword == "format":
        message = f"{shorten(value)} is not an RFC 3339 date-time: {error.cause}"
        return [(pointer, "timestamp-invalid", message, False)]
    if keyword == "type":
        return [_describe_type(pointer, expected, value)]
    if keyword == "required":
        return [
            (
                pointer,
                "schema-required",
                error.message.replace(
                    " is a required property", " is required but missing"
                ),
                False,
            )
        ]
    if keyword == "additionalProperties":
        extras = sorted(set(value) - set(error.schema.get("properties", {})))
        return [
            (
                f"{pointer}/{escape_pointer(extra)}",
                "schema-additional-property",
                f"unknown field {shorten(extra)}: the spec does not define it here",
                True,
            )
            for extra in extras
            if not extra.startswith("x-")
        ]
    if keyword in ("const", "pattern") and pointer == "/spec_version":
        message = (
            f"spec_version {shorten(value)} is not a MAJOR.MINOR version such as '1.0'"
        )
        return [(pointer, "spec-version-unknown", message, False)]
    return [(pointer, *_describe_value(keyword, expected, value), False)]


def _timestamp_problem(value: Any) -> str:
    try:
        parse_timestamp(value)
    except TimestampError as error:
        return str(error)
    return "it is outside the range mlspec can store"


def _describe_type(
    pointer: str, expected: Any, value: Any
) -> tuple[str, str, str, bool]:
    if isinstance(value, str) and value in NON_FINITE and _allows_number(expected):
        message = (
            f"{value} is not allowed here; only metric values may be NaN or infinite"
        )
        return pointer, "number-not-finite", message, False
    types = [expected] if isinstance(expected, str) else list(expected)
    wanted = " or ".join(repr(name) for name in types)
    return pointer, "schema-type", f"{shorten(value)} is not of type {wanted}", False


def _allows_number(expected: Any) -> bool:
    types = [expected] if isinstance(expected, str) else expected
    return "number" in types or "integer" in types


def _describe_value(keyword: str, expected: Any, value: Any) -> tuple[str, str]:
    shown = shorten(value)
    if keyword == "enum":
        return "schema-enum", f"{shown} is not one of {', '.join(map(repr, expected))}"
    if keyword == "const":
        return "schema-const", f"{shown} must be {expected!r}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        relation = {
            "minimum": ">=",
            "maximum": "<=",
            "exclusiveMinimum": ">",
            "exclusiveMaximum": "<",
        }[keyword]
        return "schema-range", f"{shown} is out of range: must be {relation} {expected}"
    if keyword in (
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ):
        unit = (
            "characters"
            if "Length" in keyword
            else ("items" if "Items" in keyword else "fields")
        )
        bound = "at least" if keyword.startswith("min") else "at most"
        return (
            "schema-length",
            f"{shown} has {_size(value)} {unit}; expected {bound} {expected}",
        )
    if keyword == "pattern":
        return "schema-pattern", f"{shown} does not match the pattern {expected!r}"
    if keyword == "uniqueItems":
        return "schema-unique-items", f"{shown} repeats an item; items must be unique"
    return "schema-invalid", f"{shown} fails the {keyword!r} check"


def _size(value: Any) -> int:
    return len(value) if hasattr(value, "__len__") else 0


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = MAX_SHOWN
_REPR.maxother = MAX_SHOWN


def shorten(value: Any) -> str:
    """Return a ``repr`` of ``value`` cut short for long strings and deep or long containers."""
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return repr(value[:MAX_SHOWN]) + f"... ({len(value)} characters)"
    return _REPR.repr(value)


def _schema_location(spec: Spec, uri: str, path: list) -> str:
    """Follow a schema path across ``$ref`` and return ``file#pointer`` of the keyword."""
    resolved = spec.registry.resolver().lookup(uri)
    current, resolver = resolved.contents, resolved.resolver
    file_uri, pointer = uri, ""
    for part in path:
        while isinstance(current, dict) and part not in current and "$ref" in current:
            target = urljoin(file_uri, current["$ref"])
            try:
                resolved = resolver.lookup(current["$ref"])
            except referencing.exceptions.Unresolvable:
                break
            current, resolver = resolved.contents, resolved.resolver
            file_uri, _, pointer = target.partition("#")
        try:
            current = current[part]
        except (KeyError, IndexError, TypeError):
            break
        pointer += "/" + escape_pointer(str(part))
    relative = next(
        (rel for rel, full in spec.uris.items() if full == file_uri), file_uri
    )
    return f"{relative}#{pointer}"
