"""Classify spec changes for API clients of the generated OpenAPI document.

The OpenAPI generator publishes each entity schema as a component that is
both the request body of the create operation and the body of every
response. So a request breaks when a document would break, and a response
breaks when a client may receive something it did not expect: a field gone,
a field that may now be missing, or a value of a new type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from mlspec.compat.changes import Audience, Change

# Document change kind -> (API change kind, breaking for API clients, message).
# Breaking None keeps the document change's verdict, because a request body
# is validated like a document; a message of None keeps its message. Kinds
# missing here do not change what a client sends or receives.
_API_KINDS = {
    "entity-removed": ("operations-removed", True, "the entity's operations are gone"),
    "entity-renamed": ("operations-renamed", True, "the entity's operations moved"),
    "entity-added": ("operations-added", False, "new operations for a new entity"),
    "field-removed": (
        "response-field-removed",
        True,
        "responses no longer contain this field",
    ),
    "field-added": (
        "optional-field-added",
        False,
        "new optional field in requests and responses",
    ),
    "field-added-required": (
        "request-field-added-required",
        True,
        "requests without this new field are rejected",
    ),
    "field-now-required": (
        "request-field-now-required",
        True,
        "requests without this field are rejected",
    ),
    "field-now-optional": (
        "response-field-now-optional",
        True,
        "responses may leave this field out",
    ),
    "type-narrowed": ("request-type-narrowed", True, None),
    "type-widened": ("response-type-widened", True, None),
    "enum-narrowed": ("request-enum-narrowed", True, None),
    # NOTE: a client that handles each enum value in a switch may still fail
    # on a new value in a response. The change is reported but not breaking.
    "enum-widened": ("response-enum-widened", False, None),
    "range-tightened": ("request-range-tightened", True, None),
    "pattern-changed": ("request-pattern-changed", None, None),
    "format-changed": ("request-format-changed", None, None),
    "object-closed": ("request-object-closed", True, None),
    "union-changed": ("schema-union-changed", True, None),
}


def api_changes(document_changes: Iterable[Change]) -> Iterator[Change]:
    """Translate document-level changes into changes seen by API clients."""
    # TODO: compare the generated OpenAPI documents' operations directly once
    # the OpenAPI generator is importable here, so path and parameter changes
    # are reported too.
    for change in document_changes:
        mapped = _API_KINDS.get(change.kind)
        if mapped is None:
            continue
        kind, breaking, message = mapped
        if change.kind == "entity-renamed" and not change.breaking:
            # The list name stayed, so the operations' paths stayed too.
            continue
        yield replace(
            change,
            audience=Audience.API,
            kind=kind,
            breaking=change.breaking if breaking is None else breaking,
            message=message or change.message,
        )
