"""Flatten each entity schema of a spec into the fields a document can contain.

Every ``$ref`` is resolved through the spec's registry, so a change to a
shared definition (``defs.schema.json#/$defs/id``) shows up at every field
that uses it. A field is addressed by its path inside the entity:
``("deployment_config", "auto_scaling", "min_instances")``, with ``[]`` for
the items of an array and ``{}`` for the values of a map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urljoin

import referencing

from mlspec.spec import Spec, escape_pointer

ITEMS = "[]"
VALUES = "{}"
# Keywords whose value bounds what a document may contain, and the direction
# that makes the bound stricter: "min" rises, "max" falls.
BOUNDS = {
    "minimum": "min",
    "exclusiveMinimum": "min",
    "minLength": "min",
    "minItems": "min",
    "minProperties": "min",
    "maximum": "max",
    "exclusiveMaximum": "max",
    "maxLength": "max",
    "maxItems": "max",
    "maxProperties": "max",
}
TEXT_RULES = ("pattern", "format")
JSON_TYPES = frozenset(
    {"string", "number", "integer", "boolean", "object", "array", "null"}
)


@dataclass
class Field:
    """The constraints on one field of an entity, after resolving every ``$ref``."""

    path: tuple[str, ...]
    location: str
    required: bool = False
    types: frozenset[str] = JSON_TYPES
    enum: frozenset[str] | None = None
    bounds: dict[str, float] = field(default_factory=dict)
    text_rules: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    closed: bool = False
    # "anyOf:N" for an anyOf (or oneOf) of N branches that is not just "X or
    # null". Each branch is a field of its own at path + ("anyOf[i]",).
    union: str | None = None

    @property
    def name(self) -> str:
        return ".".join(self.path) or "(entity)"


@dataclass
class EntityFields:
    """All fields of one entity kind, keyed by path."""

    kind: str
    list_name: str
    file: str
    fields: dict[tuple[str, ...], Field]


def entity_fields(spec: Spec) -> dict[str, EntityFields]:
    """Flatten every entity of ``spec``, keyed by kind (``run``)."""
    files_by_uri = {uri: relative for relative, uri in spec.uris.items()}
    result = {}
    for entity in spec.entities:
        walker = SchemaWalker(spec.registry, files_by_uri)
        schema = spec.schema_at(entity.uri)
        walker.walk(schema, entity.uri, "", (), required=True)
        result[entity.kind] = EntityFields(
            kind=entity.kind,
            list_name=entity.list_name,
            file=files_by_uri[entity.uri],
            fields=walker.fields,
        )
    return result


class SchemaWalker:
    """Flatten one schema into ``fields``, resolving ``$ref`` through ``registry``.

    ``files_by_uri`` maps a resource URI to the file name used in locations.
    """

    def __init__(
        self, registry: referencing.Registry, files_by_uri: dict[str, str]
    ) -> None:
        self.registry = registry
        self.files_by_uri = files_by_uri
        self.fields: dict[tuple[str, ...], Field] = {}
        self.active: list[str] = []

    def walk(
        self,
        schema: Any,
        base: str,
        pointer: str,
        path: tuple[str, ...],
        required: bool,
    ) -> None:
        """Record the field at ``path`` and descend into its properties and items."""
        location = f"{self.files_by_uri.get(base, base)}#{pointer}"
        merged, base, pointer = self._merge_refs(schema, base, pointer)
        field_ = Field(path=path, location=location, required=required)
        self.fields[path] = field_
        _apply_keywords(field_, merged)

        branches = _non_null_branches(merged)
        if branches is not None:
            self._walk_union(field_, merged, branches, base, pointer, path)
            return
        key = f"{base}#{pointer}"
        if key in self.active:
            return
        self.active.append(key)
        self._walk_children(merged, base, pointer, path)
        self.active.pop()

    def _walk_union(self, field_, merged, branches, base, pointer, path) -> None:
        keyword = "anyOf" if "anyOf" in merged else "oneOf"
        if len(branches) == 1:
            index, branch = branches[0]
            resolved, branch_base, branch_pointer = self._merge_refs(
                branch, base, f"{pointer}/{keyword}/{index}"
            )
            _apply_keywords(field_, resolved)
            if len(merged[keyword]) > 1:
                field_.types = field_.types | {"null"}
            self._walk_children(resolved, branch_base, branch_pointer, path)
            return
        field_.union = f"{keyword}:{len(branches)}"
        branch_types: set[str] = set()
        for index, branch in branches:
            branch_path = (*path, f"{keyword}[{index}]")
            self.walk(branch, base, f"{pointer}/{keyword}/{index}", branch_path, True)
            branch_types |= self.fields[branch_path].types
        if "type" not in merged:
            nullable = len(branches) < len(merged[keyword])
            field_.types = frozenset(branch_types | ({"null"} if nullable else set()))

    def _walk_children(
        self, schema: dict, base: str, pointer: str, path: tuple[str, ...]
    ) -> None:
        required = set(schema.get("required", []))
        for name, child in (schema.get("properties") or {}).items():
            child_pointer = f"{pointer}/properties/{escape_pointer(name)}"
            self.walk(child, base, child_pointer, (*path, name), name in required)
        if isinstance(schema.get("items"), dict):
            self.walk(schema["items"], base, f"{pointer}/items", (*path, ITEMS), True)
        if isinstance(schema.get("additionalProperties"), dict):
            self.walk(
                schema["additionalProperties"],
                base,
                f"{pointer}/additionalProperties",
                (*path, VALUES),
                False,
            )

    def _merge_refs(
        self, schema: Any, base: str, pointer: str
    ) -> tuple[dict, str, str]:
        """Follow ``$ref`` chains; keywords beside a ``$ref`` win over the target's."""
        if not isinstance(schema, dict):
            return {}, base, pointer
        merged = dict(schema)
        seen = set()
        while "$ref" in merged:
            target = urljoin(base, merged.pop("$ref"))
            if target in seen:
                break
            seen.add(target)
            contents = self.registry.resolver(base_uri=base).lookup(target)
            base, fragment = urldefrag(target)
            pointer = fragment
            merged = {**contents.contents, **merged} | (
                {"$ref": contents.contents["$ref"]}
                if "$ref" in contents.contents
                else {}
            )
        return merged, base, pointer


def _non_null_branches(schema: dict) -> list[tuple[int, Any]] | None:
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return [
                (index, branch)
                for index, branch in enumerate(schema[keyword])
                if branch != {"type": "null"}
            ]
    return None


def _apply_keywords(field_: Field, schema: dict) -> None:
    """Copy the constraining keywords of ``schema`` onto ``field_``."""
    if "type" in schema:
        types = schema["type"]
        field_.types = frozenset([types] if isinstance(types, str) else types)
    if "enum" in schema:
        field_.enum = frozenset(_canonical(value) for value in schema["enum"])
    if "const" in schema:
        field_.enum = frozenset([_canonical(schema["const"])])
    for keyword in BOUNDS:
        if isinstance(schema.get(keyword), int | float):
            field_.bounds[keyword] = schema[keyword]
    for keyword in TEXT_RULES:
        if keyword in schema:
            field_.text_rules[keyword] = schema[keyword]
    if "default" in schema:
        field_.default = _canonical(schema["default"])
    if schema.get("additionalProperties") is False:
        field_.closed = True


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
