"""Turn document entities into table rows, in the column order of ``mlspec.store.tables``.

A row is a tuple of Python values that psycopg's COPY writes as text:
timestamps stay the RFC 3339 strings of the document (the load session runs
in UTC, so a timestamp without an offset is read as UTC), metric values
become floats (``"NaN"`` becomes ``float("nan")``), JSON values become JSON
text, and a field the document leaves out gets the spec's default when the
object that holds it is present.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson

from mlspec.store.tables import Column, Table
from mlspec.timestamps import parse_timestamp

Row = tuple[Any, ...]
_ABSENT = object()


class RowBuilder:
    """Build the rows of every table from one entity of a given kind."""

    def __init__(self, tables: list[Table]) -> None:
        self.tables = tables
        self.by_entity: dict[str, list[Table]] = {}
        for table in tables:
            self.by_entity.setdefault(self._entity_of(table), []).append(table)

    def _entity_of(self, table: Table) -> str:
        if table.entity:
            return table.entity
        parent = next(t for t in self.tables if t.name == table.parent)
        return self._entity_of(parent)

    def rows(self, kind: str, entity: dict[str, Any]) -> Iterator[tuple[Table, Row]]:
        """Yield ``(table, row)`` for the entity and for every child row it contains."""
        for table in self.by_entity.get(kind, []):
            if table.entity:
                yield table, _entity_row(table, entity)
            else:
                for row in _child_rows(table, entity):
                    yield table, row


def _entity_row(table: Table, entity: dict[str, Any]) -> Row:
    return tuple(_value(column, _lookup(entity, column)) for column in table.columns)


def _lookup(entity: dict[str, Any], column: Column) -> Any:
    """Return the column's field, its default when its object is present, or ``_ABSENT``."""
    node: Any = entity
    for depth, part in enumerate(column.path):
        if not isinstance(node, dict) or part not in node:
            holder_present = depth == len(column.path) - 1
            if holder_present and column.spec_default is not None:
                return column.spec_default
            return _ABSENT
        node = node[part]
    return node


def _child_rows(table: Table, parent: dict[str, Any]) -> Iterator[Row]:
    nested = parent.get(table.field_name or "")
    if nested is None:
        return
    base = {key: parent.get(key) for key in table.parent_key}
    for inherited in table.config.get("inherit") or []:
        base[inherited] = parent.get(inherited)

    plan = _child_plan(table)
    for item in _items(table, nested, parent):
        values = {**base, **item}
        row: list[Any] = []
        for column, name, derived in plan:
            if derived:
                row.append(_derived_id(table, values))
            elif name in values:
                row.append(_value(column, values[name]))
            elif column.name in values:
                row.append(_value(column, values[column.name]))
            elif column.spec_default is not None:
                row.append(_value(column, column.spec_default))
            else:
                row.append(None)
        yield tuple(row)


def _child_plan(table: Table) -> list[tuple[Column, str, bool]]:
    """Return each column of a child table with the value name it reads first.

    Built once per table, because a load calls ``_child_rows`` for every
    parameter, metric point and tag.
    """
    cached = _CHILD_PLANS.get(id(table))
    if cached is not None and cached[0] is table:
        return cached[1]
    plan = []
    for column in table.columns:
        entity_field = table.shape == "entities" and column.path
        name = column.path[-1] if entity_field else column.name
        plan.append((column, name, column.kind == "derived_id"))
    _CHILD_PLANS[id(table)] = (table, plan)
    return plan


_CHILD_PLANS: dict[int, tuple[Table, list[tuple[Column, str, bool]]]] = {}


def _items(
    table: Table, nested: Any, parent: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Yield each nested item as a dict keyed by column name (or field name for entities)."""
    config = table.config
    if table.shape == "entities":
        yield from nested
    elif table.shape == "map":
        for key, value in nested.items():
            yield {config["key_column"]: key, config["value_column"]: value}
    elif table.shape == "tags":
        pairs = (
            nested.items()
            if isinstance(nested, dict)
            else ((tag, None) for tag in nested)
        )
        for key, value in pairs:
            yield {config["key_column"]: key, config["value_column"]: value}
    elif table.shape == "list":
        for value in nested:
            yield {config["value_column"]: value}
    elif table.shape == "metric_points":
        yield from _metric_points(table, nested, parent)


def _metric_points(
    table: Table, metrics: Any, run: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Yield each metric point; a map gives one point per metric at step 0.

    A point without a timestamp takes the run's end_time, else its start_time.
    """
    rename = table.config.get("rename") or {}
    fallback_time = run.get("end_time") or run.get("start_time")
    if isinstance(metrics, dict):
        points = [{"key": key, "value": value} for key, value in metrics.items()]
    else:
        points = metrics
    for point in points:
        complete = {"step": 0, "timestamp": fallback_time, **point}
        yield {rename.get(field, field): value for field, value in complete.items()}


def _derived_id(table: Table, values: dict[str, Any]) -> str:
    """Fill the id template; ``{hash}`` is a digest of the upsert key, timestamps as instants."""
    template = table.config["id"]["template"]
    fields = {name: _text(values.get(name)) for name in _template_fields(template)}
    if "hash" in fields:
        fields["hash"] = _key_digest(table, values)
    return template.format(**fields)


@lru_cache(maxsize=64)
def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _key_digest(table: Table, values: dict[str, Any]) -> str:
    key = []
    for name, is_timestamp in _upsert_key_kinds(table):
        value = values.get(name)
        if is_timestamp and isinstance(value, str):
            value = _epoch_us(value)
        key.append(value)
    return hashlib.sha256(orjson.dumps(key)).hexdigest()[:16]


def _upsert_key_kinds(table: Table) -> tuple[tuple[str, bool], ...]:
    """Return each upsert key column with whether it is a timestamp, once per table."""
    kinds = _KEY_KINDS.get(id(table))
    if kinds is None or kinds[0] is not table:
        columns = tuple(
            (name, table.column(name).kind == "timestamp") for name in table.upsert_key
        )
        kinds = _KEY_KINDS[id(table)] = (table, columns)
    return kinds[1]


_KEY_KINDS: dict[int, tuple[Table, tuple[tuple[str, bool], ...]]] = {}


@lru_cache(maxsize=4096)
def _epoch_us(timestamp: str) -> int:
    """Return microseconds since the epoch, cached because a run's points share timestamps.

    ``datetime.fromisoformat`` (implemented in C) reads the common forms; what
    it rejects or cannot hold, such as a leap second, goes to
    ``parse_timestamp``. Both truncate fractions beyond microseconds.
    """
    try:
        moment = datetime.fromisoformat(timestamp)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return (moment - _EPOCH) // _MICROSECOND
    except (ValueError, OverflowError):
        return parse_timestamp(timestamp).epoch_us


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _value(column: Column, value: Any) -> Any:
    """Convert a document value into what COPY writes into the column."""
    if value is _ABSENT:
        return None
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None:
        return None
    if column.kind in ("metric", "number"):
        return float(value)
    if column.kind == "scalar_text":
        return _text(value)
    return value


def _text(value: Any) -> str:
    """Convert a scalar to text: booleans as true or false, numbers as JSON writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return json.dumps(value)
    return "" if value is None else str(value)
