"""Checks of entities and fields against the spec, and the field order of saved files."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mlspec.document.values import checked_timestamp_text
from mlspec.errors import UsageError
from mlspec.findings import Finding
from mlspec.spec import join_pointer, load_spec
from mlspec.validator import validate

DEFS_FILE = "defs.schema.json"


@cache
def _validator(relative: str, fragment: str) -> Draft202012Validator:
    spec = load_spec()
    schema = {"$ref": f"{spec.uris[relative]}#{fragment}"}
    return Draft202012Validator(schema, registry=spec.registry)


def check_subschema(instance: Any, relative: str, fragment: str, subject: str) -> None:
    """Raise ``UsageError`` naming ``subject`` unless ``instance`` matches the subschema."""
    error = best_match(_validator(relative, fragment).iter_errors(instance))
    if error is None:
        return
    where = join_pointer(error.absolute_path)
    location = f" at {where}" if where else ""
    raise UsageError(f"{subject}: invalid value{location}: {error.message}")


def check_key(key: Any, subject: str) -> None:
    """Check a parameter, metric or tag name against the spec, caching each result."""
    message = _key_error(key) if isinstance(key, str) else f"{key!r} is not a string"
    if message is not None:
        raise UsageError(f"{subject}: invalid value: {message}")


@lru_cache(maxsize=4096)
def _key_error(key: str) -> str | None:
    error = best_match(_validator(DEFS_FILE, "/$defs/key").iter_errors(key))
    return None if error is None else error.message


def check_entity(list_name: str, entity: dict[str, Any], subject: str) -> None:
    relative = _relative_path(load_spec().entity(list_name).uri)
    check_subschema(entity, relative, "", subject)
    for field in ("created_at", "updated_at", "start_time", "end_time"):
        if isinstance(entity.get(field), str):
            checked_timestamp_text(entity[field], f"{subject}: {field}")


def _relative_path(uri: str) -> str:
    spec = load_spec()
    return next(relative for relative, known in spec.uris.items() if known == uri)


@cache
def field_order(list_name: str) -> dict[str, int]:
    schema = load_spec().schema_at(load_spec().entity(list_name).uri)
    return {name: position for position, name in enumerate(schema["properties"])}


def set_field(entity: dict[str, Any], list_name: str, field: str, value: Any) -> None:
    """Set a field, placing a new one where the schema lists it so saved files read in order."""
    is_new = field not in entity
    entity[field] = value
    if not is_new:
        return
    order = field_order(list_name)
    ordered = sorted(entity.items(), key=lambda item: order.get(item[0], len(order)))
    entity.clear()
    entity.update(ordered)


def build_index(data: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    index: dict[str, dict[str, dict[str, Any]]] = {}
    for kind in load_spec().entities:
        entities = data.get(kind.section, {}).get(kind.list_name, [])
        index[kind.list_name] = {entity[kind.id_field]: entity for entity in entities}
    return index


def validation_errors(
    data: Mapping[str, Any], severities: Mapping[str, str]
) -> list[Finding]:
    report = validate(dict(data), severities=dict(severities))
    return report.errors


def describe_finding(finding: Finding) -> str:
    return f"{finding.pointer or '/'}: {finding.message} [{finding.rule}]"
