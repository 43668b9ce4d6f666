"""Base class of the generated models: object rules that pydantic has no setting for.

Entity schemas allow extension fields (``patternProperties: {"^x-": ...}``)
next to ``additionalProperties: false``, and some lists are
``uniqueItems``. The generated classes allow extra fields and record both
rules in ``model_config["json_schema_extra"]``; ``SpecModel`` enforces them
on the input before pydantic validates the fields.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# Keys of ``json_schema_extra`` that the python generator writes.
EXTENSION_PATTERNS_KEY = "x-mlspec-extension-patterns"
UNIQUE_ITEMS_KEY = "x-mlspec-unique-items"


class SpecModel(BaseModel):
    """A spec object model that enforces ``additionalProperties`` and ``uniqueItems``.

    A closed object (``additionalProperties: false``) accepts only its
    declared fields and keys that match its ``patternProperties``.

    Fields can be given by their JSON name (the alias) or by their Python
    attribute name, such as ``class_`` for ``class``.
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    @model_validator(mode="before")
    @classmethod
    def _check_object_rules(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        extra = cls.model_config.get("json_schema_extra")
        rules: dict[str, Any] = extra if isinstance(extra, dict) else {}

        patterns: list[str] | None = rules.get(EXTENSION_PATTERNS_KEY)
        if patterns is not None:
            declared = _declared_keys(cls)
            for key in data:
                if key not in declared and not _matches_any(patterns, key):
                    raise ValueError(f"field {key!r} is not defined by the spec")

        unique: list[str] = rules.get(UNIQUE_ITEMS_KEY) or []
        for key in unique:
            value = data.get(key)
            if isinstance(value, list) and _has_duplicates(value):
                raise ValueError(f"field {key!r} repeats an item; items must be unique")
        return data


_DECLARED_KEYS: dict[type[BaseModel], frozenset[str]] = {}


def _declared_keys(model: type[BaseModel]) -> frozenset[str]:
    """Return the field names and aliases of ``model``, computed once per class."""
    declared = _DECLARED_KEYS.get(model)
    if declared is None:
        names = set(model.model_fields)
        names.update(info.alias for info in model.model_fields.values() if info.alias)
        declared = _DECLARED_KEYS[model] = frozenset(names)
    return declared


def _matches_any(patterns: list[str], key: str) -> bool:
    # JSON Schema patterns are unanchored, like re.search.
    return any(re.search(pattern, key) for pattern in patterns)


def _has_duplicates(items: list[Any]) -> bool:
    """Tell whether two items are equal as JSON values (1 equals 1.0, not true)."""
    seen = set()
    for item in items:
        key = json.dumps(_normalise(item), sort_keys=True)
        if key in seen:
            return True
        seen.add(key)
    return False


def _normalise(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    return repr(value)
