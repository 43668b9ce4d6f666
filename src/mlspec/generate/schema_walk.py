"""Walk the subschemas of a JSON Schema (draft 2020-12) by keyword.

Only keywords whose values are schemas are followed, so the values of
``enum``, ``const``, ``default`` and ``examples``, and property names, are
never mistaken for schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlspec.spec import escape_pointer

# Keywords whose value is one schema, a list of schemas or a map of schemas.
SCHEMA_KEYWORDS = frozenset(
    {
        "additionalProperties", "contains", "contentSchema", "else", "if",
        "items", "not", "propertyNames", "then", "unevaluatedItems",
        "unevaluatedProperties",
    }
)  # fmt: skip
SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAP_KEYWORDS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)


def iter_subschemas(
    schema: Any, pointer: str = "#"
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(pointer, subschema)`` for ``schema`` and every object schema in it.

    Boolean schemas are skipped, because they have no keywords.
    """
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for key, value in schema.items():
        location = f"{pointer}/{escape_pointer(key)}"
        if key in SCHEMA_KEYWORDS:
            yield from iter_subschemas(value, location)
        elif key in SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            for index, item in enumerate(value):
                yield from iter_subschemas(item, f"{location}/{index}")
        elif key in SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            for name, item in value.items():
                yield from iter_subschemas(item, f"{location}/{escape_pointer(name)}")
