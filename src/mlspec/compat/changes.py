"""The record of one classified change between two spec versions."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Audience(enum.StrEnum):
    """Who a change can break."""

    DOCUMENTS = "documents"
    DATABASE = "database"
    API = "api"


D, A, S = Audience.DOCUMENTS, Audience.API, Audience.DATABASE

# Every change kind, its audience and a one-line summary. docs/compatibility.md
# has one heading per kind, and a test keeps the two lists equal.
KINDS: dict[str, tuple[Audience, str]] = {
    "entity-added": (D, "A new entity list."),
    "entity-removed": (D, "An entity list is gone."),
    "entity-renamed": (D, "An entity kind or its list got a new name."),
    "field-added": (D, "A new optional field."),
    "field-added-required": (D, "A new required field."),
    "field-removed": (D, "A field is gone."),
    "field-now-required": (D, "An optional field became required."),
    "field-now-optional": (D, "A required field became optional."),
    "type-narrowed": (D, "A field accepts fewer JSON types."),
    "type-widened": (D, "A field accepts more JSON types."),
    "enum-narrowed": (D, "An enum lost values, or a field gained an enum."),
    "enum-widened": (D, "An enum gained values, or lost its limit."),
    "range-tightened": (
        D,
        "A minimum rose or a maximum fell, in value, length or count.",
    ),
    "range-loosened": (D, "A minimum fell or a maximum rose, or a bound was removed."),
    "pattern-changed": (D, "A field's pattern was added, changed or removed."),
    "format-changed": (D, "A field's format was added, changed or removed."),
    "object-closed": (D, "An object now rejects additional properties."),
    "object-opened": (D, "An object now allows additional properties."),
    "union-changed": (D, "The branches of an anyOf or oneOf changed."),
    "default-changed": (D, "A field's default value changed."),
    "operations-added": (A, "A new entity brings new operations."),
    "operations-removed": (A, "An entity's operations are gone."),
    "operations-renamed": (A, "An entity's operations moved to a new path."),
    "optional-field-added": (A, "A new optional field in requests and responses."),
    "response-field-removed": (A, "Responses no longer contain a field."),
    "response-field-now-optional": (A, "Responses may leave a field out."),
    "response-type-widened": (A, "Responses may hold a value of a new type."),
    "response-enum-widened": (A, "Responses may hold a new enum value."),
    "request-field-added-required": (A, "Requests must send a new field."),
    "request-field-now-required": (A, "Requests must send a field that was optional."),
    "request-type-narrowed": (A, "Requests may send fewer types."),
    "request-enum-narrowed": (A, "Requests may send fewer enum values."),
    "request-range-tightened": (A, "Requests must meet a stricter bound."),
    "request-pattern-changed": (A, "Requests must match a new pattern."),
    "request-format-changed": (A, "Requests must match a new format."),
    "request-object-closed": (A, "Requests may not send additional properties."),
    "schema-union-changed": (A, "The branches of an anyOf or oneOf changed."),
    "schema-not-generated": (S, "The new spec has no PostgreSQL schema."),
    "table-added": (S, "A new table."),
    "table-dropped": (S, "A table and its rows are dropped."),
    "table-renamed": (S, "A table got a new name; its rows are kept."),
    "column-added": (S, "A new nullable column, or one with a default."),
    "column-added-not-null": (S, "A new NOT NULL column without a default."),
    "column-dropped": (S, "A column and its values are dropped."),
    "column-type-changed": (S, "A column's type changed."),
    "column-set-not-null": (S, "A nullable column became NOT NULL."),
    "column-drop-not-null": (S, "A NOT NULL column became nullable."),
    "column-default-changed": (S, "A column's default changed."),
    "check-added": (S, "A new CHECK constraint."),
    "check-tightened": (S, "A CHECK constraint admits fewer rows."),
    "check-loosened": (S, "A CHECK constraint admits more rows."),
    "check-dropped": (S, "A CHECK constraint is gone."),
    "primary-key-added": (S, "A new or changed primary key."),
    "primary-key-dropped": (S, "A primary key is gone."),
    "unique-added": (S, "A new or changed UNIQUE constraint."),
    "unique-dropped": (S, "A UNIQUE constraint is gone."),
    "foreign-key-added": (S, "A new or changed foreign key."),
    "foreign-key-dropped": (S, "A foreign key is gone."),
    "constraint-renamed": (S, "A constraint got a new name."),
    "index-added": (S, "A new index."),
    "index-dropped": (S, "An index is gone."),
    "index-renamed": (S, "An index got a new name."),
}


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new spec, for one audience.

    ``old`` and ``new`` are ``file#pointer`` locations (a table or column name
    for the database audience); one of them is ``None`` when the thing was
    added or removed.
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
