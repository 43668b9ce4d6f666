"""Classify spec changes for clients of the generated OpenAPI document.

Both versions of the spec go through ``mlspec.generate.openapi``. Each
operation's JSON request body and success response are flattened like an
entity schema and compared field by field. A request breaks when the
service would reject a body that it accepted before, which is the rule for
documents. A response breaks when a client may receive something it did
not expect: a field gone, a field that may now be missing, or a value of a
new type.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import referencing
import yaml
from referencing.jsonschema import DRAFT202012

from mlspec.compat.changes import Audience, Change
from mlspec.compat.documents import entity_changes
from mlspec.compat.fields import EntityFields, SchemaWalker
from mlspec.generate.openapi import OUTPUT_PATH, generate_openapi
from mlspec.spec import Spec, escape_pointer

API = Audience.API
OPENAPI_FILE = "openapi/openapi.yaml"
# URI of the generated document in its own registry, which never retrieves
# anything, so that "#/components/..." refs resolve inside the document.
_BASE_URI = "https://mlspec.dev/openapi/openapi.yaml"
_METHODS = ("get", "put", "post", "delete", "patch")
_JSON = "application/json"

# Document change kind -> (API change kind, breaking). Breaking None keeps
# the document change's verdict. Kinds missing here cannot break that side.
_REQUEST_KINDS: dict[str, tuple[str, bool | None]] = {
    "field-removed": ("request-field-removed", None),
    "field-added": ("request-field-added", False),
    "field-added-required": ("request-field-added-required", True),
    "field-now-required": ("request-field-now-required", True),
    "type-narrowed": ("request-type-narrowed", True),
    "enum-narrowed": ("request-enum-narrowed", True),
    "range-tightened": ("request-range-tightened", True),
    "pattern-changed": ("request-pattern-changed", None),
    "format-changed": ("request-format-changed", None),
    "object-closed": ("request-object-closed", True),
    "union-changed": ("schema-union-changed", None),
}
_RESPONSE_KINDS: dict[str, tuple[str, bool | None]] = {
    "field-removed": ("response-field-removed", True),
    "field-added": ("response-field-added", False),
    "field-added-required": ("response-field-added", False),
    "field-now-optional": ("response-field-now-optional", True),
    "type-widened": ("response-type-widened", True),
    # NOTE: a client that handles each enum value in a switch may still fail
    # on a new value in a response. The change is reported but not breaking.
    "enum-widened": ("response-enum-widened", False),
    "union-changed": ("schema-union-changed", True),
}
_MESSAGES = {
    "request-field-removed": "requests that send this field are rejected",
    "request-field-added": "new optional field",
    "request-field-added-required": "requests without this new field are rejected",
    "request-field-now-required": "requests without this field are rejected",
    "response-field-removed": "responses no longer contain this field",
    "response-field-added": "responses contain a new field",
    "response-field-now-optional": "responses may leave this field out",
}


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document and the schemas of its bodies."""

    method: str
    path: str
    pointer: str
    request: Any
    response: Any
    response_pointer: str

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


def openapi_document(spec: Spec) -> dict[str, Any]:
    """Generate the OpenAPI document of ``spec`` and parse it."""
    # Lossy mappings do not matter here: both versions go through the same generator.
    text = generate_openapi(spec, lambda location, message: None)[OUTPUT_PATH]
    return yaml.safe_load(text)


def operations(document: dict[str, Any]) -> dict[str, Operation]:
    """Return every operation keyed by ``METHOD /path``."""
    found = {}
    for path, item in (document.get("paths") or {}).items():
        for method in _METHODS:
            if method in item:
                operation = _operation(path, method, item[method])
                found[operation.name] = operation
    return found


def _operation(path: str, method: str, body: dict[str, Any]) -> Operation:
    pointer = f"/paths/{escape_pointer(path)}/{method}"
    content = f"content/{escape_pointer(_JSON)}/schema"
    request = (body.get("requestBody") or {}).get("content", {}).get(_JSON, {})
    status, response = _success_response(body)
    return Operation(
        method=method,
        path=path,
        pointer=pointer,
        request=request.get("schema"),
        response=response.get("content", {}).get(_JSON, {}).get("schema"),
        response_pointer=f"{pointer}/responses/{status}/{content}",
    )


def _success_response(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for status, response in sorted((body.get("responses") or {}).items()):
        if str(status).startswith("2"):
            return str(status), response
    return "", {}


def api_changes(old: Spec, new: Spec) -> Iterator[Change]:
    """Yield the changes that clients of the generated OpenAPI service see."""
    # TODO: compare path and query parameters, not only the bodies.
    old_document, new_document = openapi_document(old), openapi_document(new)
    old_operations, new_operations = (
        operations(old_document),
        operations(new_document),
    )
    location = f"{OPENAPI_FILE}#"
    for name, operation in old_operations.items():
        if name not in new_operations:
            yield Change(
                API,
                "operation-removed",
                True,
                name,
                "the operation is gone",
                location + operation.pointer,
                None,
            )
            continue
        yield from _body_changes(
            old_document, new_document, operation, new_operations[name]
        )
    for name, operation in new_operations.items():
        if name not in old_operations:
            yield Change(
                API,
                "operation-added",
                False,
                name,
                "new operation",
                None,
                location + operation.pointer,
            )


def _body_changes(
    old_document: dict, new_document: dict, old: Operation, new: Operation
) -> Iterator[Change]:
    sides = (
        (
            "request",
            old.request,
            new.request,
            f"{old.pointer}/requestBody/content/{escape_pointer(_JSON)}/schema",
            f"{new.pointer}/requestBody/content/{escape_pointer(_JSON)}/schema",
            _REQUEST_KINDS,
        ),
        (
            "response",
            old.response,
            new.response,
            old.response_pointer,
            new.response_pointer,
            _RESPONSE_KINDS,
        ),
    )
    for side, old_schema, new_schema, old_pointer, new_pointer, kinds in sides:
        if old_schema is None or new_schema is None:
            continue
        label = f"{new.name} {side}"
        before = _flatten(old_document, old_schema, old_pointer, label)
        after = _flatten(new_document, new_schema, new_pointer, label)
        for change in entity_changes(before, after):
            mapped = kinds.get(change.kind)
            if mapped is not None:
                yield _as_api_change(change, label, *mapped)


def _as_api_change(
    change: Change, label: str, kind: str, breaking: bool | None
) -> Change:
    field = change.subject.removeprefix(label + ".")
    return replace(
        change,
        audience=API,
        kind=kind,
        breaking=change.breaking if breaking is None else breaking,
        subject=f"{label}: {field}",
        message=_MESSAGES.get(kind, change.message),
    )


def _flatten(document: dict, schema: Any, pointer: str, label: str) -> EntityFields:
    """Flatten one body schema, resolving ``#/components/...`` refs inside ``document``."""
    resource = DRAFT202012.create_resource(document)
    registry = referencing.Registry().with_resource(_BASE_URI, resource)
    walker = SchemaWalker(registry, {_BASE_URI: OPENAPI_FILE})
    walker.walk(schema, _BASE_URI, pointer, (), required=True)
    return EntityFields(
        kind=label, list_name=label, file=OPENAPI_FILE, fields=walker.fields
    )
