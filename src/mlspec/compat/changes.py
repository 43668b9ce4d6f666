"""The record of one classified change between two spec versions."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Audience(enum.StrEnum):
    """Group of users that a change can break."""

    DOCUMENTS = "documents"
    DATABASE = "database"
    API = "api"


DOCS, API, DB = Audience.DOCUMENTS, Audience.API, Audience.DATABASE

# Every change kind, its audience and a one-line summary. docs/compatibility.md
# has one heading per kind, and a test keeps the two lists equal.
KINDS: dict[str, tuple[Audience, str]] = {
    "entity-added": (DOCS, "A new entity list."),
    "entity-removed": (DOCS, "An entity list is gone."),
    "entity-renamed": (DOCS, "An entity kind or its list got a new name."),
    "field-added": (DOCS, "A new optional field."),
    "field-added-required": (DOCS, "A new required field."),
    "field-removed": (DOCS, "A field is gone."),
    "field-now-required": (DOCS, "An optional field became required."),
    "field-now-optional": (DOCS, "A required field became optional."),
    "type-narrowed": (DOCS, "A field accepts fewer JSON types."),
    "type-widened": (DOCS, "A field accepts more JSON types."),
    "enum-narrowed": (DOCS, "An enum lost values, or a field gained an enum."),
    "enum-widened": (DOCS, "An enum gained values, or lost its limit."),
    "range-tightened": (
        DOCS,
        "A minimum rose or a maximum fell, in value, length or count.",
    ),
    "range-loosened": (
        DOCS,
        "A minimum fell or a maximum rose, or a bound was removed.",
    ),
    "pattern-changed": (DOCS, "A field's pattern was added, changed or removed."),
    "format-changed": (DOCS, "A field's format was added, changed or removed."),
    "object-closed": (DOCS, "An object now rejects additional properties."),
    "object-opened": (DOCS, "An object now allows additional properties."),
    "union-changed": (DOCS, "The branches of an anyOf or oneOf changed."),
    "default-changed": (DOCS, "A field's default value changed."),
    "operation-added": (API, "A new operation."),
    "operation-removed": (API, "An operation is gone."),
    "request-field-added": (API, "A new optional field in a request body."),
    "request-field-removed": (API, "A request body field is gone."),
    "response-field-added": (API, "A new field in a response body."),
    "response-field-removed": (API, "Responses no longer contain a field."),
    "response-field-now-optional": (API, "Responses may leave a field out."),
    "response-type-widened": (API, "Responses may hold a value of a new type."),
    "response-enum-widened": (API, "Responses may hold a new enum value."),
    "request-field-added-required": (API, "Requests must send a new field."),
    "request-field-now-required": (
        API,
        "Requests must send a field that was optional.",
    ),
    "request-type-narrowed": (API, "Requests may send fewer types."),
    "request-enum-narrowed": (API, "Requests may send fewer enum values."),
    "request-range-tightened": (API, "Requests must meet a stricter bound."),
    "request-pattern-changed": (API, "Requests must match a new pattern."),
    "request-format-changed": (API, "Requests must match a new format."),
    "request-object-closed": (API, "Requests may not send additional properties."),
    "schema-union-changed": (API, "The branches of an anyOf or oneOf changed."),
    "schema-not-generated": (DB, "The new spec has no PostgreSQL schema."),
    "table-added": (DB, "A new table."),
    "table-dropped": (DB, "A table and its rows are dropped."),
    "table-renamed": (DB, "A table got a new name; its rows are kept."),
    "column-added": (DB, "A new nullable column, or one with a default."),
    "column-added-not-null": (DB, "A new NOT NULL column without a default."),
    "column-dropped": (DB, "A column and its values are dropped."),
    "column-type-changed": (DB, "A column's type changed."),
    "column-set-not-null": (DB, "A nullable column became NOT NULL."),
    "column-drop-not-null": (DB, "A NOT NULL column became nullable."),
    "column-default-changed": (DB, "A column's default changed."),
    "check-added": (DB, "A new CHECK constraint."),
    "check-tightened": (DB, "A CHECK constraint admits fewer rows."),
    "check-loosened": (DB, "A CHECK constraint admits more rows."),
    "check-dropped": (DB, "A CHECK constraint is gone."),
    "primary-key-added": (DB, "A new or changed primary key."),
    "primary-key-dropped": (DB, "A primary key is gone."),
    "unique-added": (DB, "A new or changed UNIQUE constraint."),
    "unique-dropped": (DB, "A UNIQUE constraint is gone."),
    "foreign-key-added": (DB, "A new or changed foreign key."),
    "foreign-key-dropped": (DB, "A foreign key is gone."),
    "constraint-renamed": (DB, "A constraint got a new name."),
    "index-added": (DB, "A new index."),
    "index-dropped": (DB, "An index is gone."),
    "index-renamed": (DB, "An index got a new name."),
}


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new spec, for one audience.

    ``old`` and ``new`` are ``file#pointer`` locations in each version. For
    the database audience the file is the generated ``schema.sql`` and the
    fragment is a table, ``table.column`` or ``table.constraint``. One of
    them is ``None`` when the thing was added or removed.
    """

    audience: Audience
    kind: str
    breaking: bool
    subject: str
    message: str
    old: str | None
    new: str | None

    def __post_init__(self) -> None:
        expected = KINDS.get(self.kind, (None,))[0]
        if expected != self.audience:
            raise ValueError(f"change kind {self.kind!r} is not a {self.audience} kind")

    def format_text(self) -> str:
        marker = "BREAKING" if self.breaking else "ok"
        where = f"{self.old or '-'} -> {self.new or '-'}"
        return f"{marker} [{self.audience}] {self.kind}: {self.subject}: {self.message} ({where})"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
