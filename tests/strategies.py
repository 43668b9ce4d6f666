"""Hypothesis strategies that build documents from the spec's own schemas.

The builder understands the keywords the spec uses (``$ref``, ``type``,
``enum``, ``const``, ``properties``, ``required``, ``items``, ``anyOf``,
ranges, lengths and ``format: date-time``), so generated documents follow
the schema closely enough to reach the cross-entity rules, and sometimes
break it on purpose through optional fields with random JSON.
"""

from __future__ import annotations

from hypothesis import strategies as st

from mlspec.spec import Spec

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
TIMESTAMPS = st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")
) | st.sampled_from(
    ["2024-01-15T10:30:00Z", "2024-02-30T00:00:00Z", "yesterday", "2024-01-15 10:30:00"]
)
IDS = st.sampled_from(
    [
        "EXP-1",
        "RUN-1",
        "RUN-2",
        "MODEL-1",
        "VER-1",
        "DEP-1",
        "DEF-1",
        "X'; DROP TABLE x; --",
    ]
)


def from_schema(spec: Spec, uri: str, depth: int = 0) -> st.SearchStrategy:
    """Return a strategy for instances of the schema at ``uri``."""
    resolved = spec.registry.resolver().lookup(uri)
    return _build(resolved.contents, resolved.resolver, depth)


def _build(schema, resolver, depth):
    if depth > 8 or schema is True or schema == {} or not isinstance(schema, dict):
        return JSON_VALUES
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        if resolved.contents.get("title") == "Identifier":
            return IDS
        return _build(resolved.contents, resolved.resolver, depth + 1)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "anyOf" in schema:
        return st.one_of(
            [_build(branch, resolver, depth + 1) for branch in schema["anyOf"]]
        )
    if schema.get("format") == "date-time":
        return TIMESTAMPS
    types = schema.get("type", "object")
    types = [types] if isinstance(types, str) else types
    return st.one_of([_typed(name, schema, resolver, depth) for name in types])


def _typed(name, schema, resolver, depth):
    if name == "null":
        return st.none()
    if name == "boolean":
        return st.booleans()
    if name == "integer":
        return st.integers(
            schema.get("minimum", -(2**40)), schema.get("maximum", 2**40)
        )
    if name == "number":
        return st.floats(
            schema.get("minimum"),
            schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        )
    if name == "string":
        return st.text(
            min_size=schema.get("minLength", 0),
            max_size=min(schema.get("maxLength", 30), 30),
        )
    if name == "array":
        items = _build(schema.get("items", {}), resolver, depth + 1)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3)
    return _object(schema, resolver, depth)


def _object(schema, resolver, depth):
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fixed = {
        key: _build(value, resolver, depth + 1)
        for key, value in properties.items()
        if key in required
    }
    optional = {
        key: _build(value, resolver, depth + 1)
        for key, value in properties.items()
        if key not in required
    }
    if not properties and isinstance(schema.get("additionalProperties"), dict):
        values = _build(schema["additionalProperties"], resolver, depth + 1)
        return st.dictionaries(st.text(min_size=1, max_size=10), values, max_size=3)
    return st.fixed_dictionaries(fixed, optional=optional)
