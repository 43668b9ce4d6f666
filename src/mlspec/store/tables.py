"""The PostgreSQL tables of the spec: one typed model for the DDL and the loader.

``build_tables`` reads ``generators/sql/tables.yaml``, which states which
entity list becomes which table and which nested fields become child tables.
Everything else comes from the JSON Schemas: columns from ``properties``,
NOT NULL from ``required``, CHECK from ``enum``, ``minimum`` and ``maximum``,
DEFAULT from ``default`` and comments from ``description``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pglast import keywords

from mlspec.errors import SpecError
from mlspec.spec import Spec


def _config_dir() -> Path:
    """Return the packaged ``_generators/sql`` folder, else the source tree's ``generators/sql``."""
    packaged = Path(__file__).resolve().parents[1] / "_generators" / "sql"
    if (packaged / "tables.yaml").is_file():
        return packaged
    # NOTE: a wheel contains this folder only once pyproject.toml force-includes it.
    return Path(__file__).resolve().parents[3] / "generators" / "sql"


CONFIG_DIR = _config_dir()
MAX_IDENTIFIER_BYTES = 63
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_QUOTED_KEYWORDS = (
    keywords.RESERVED_KEYWORDS
    | keywords.TYPE_FUNC_NAME_KEYWORDS
    | keywords.COL_NAME_KEYWORDS
)

Unsupported = Callable[[str, str], None]

# Check expressions name their column with this placeholder, because a
# flattened column is renamed after its checks are derived.
COLUMN = "{column}"


@dataclass
class Column:
    """One column: its SQL name and type, and how the loader fills it."""

    name: str
    path: tuple[str, ...]
    sql_type: str
    kind: str
    not_null: bool = False
    default_sql: str | None = None
    spec_default: Any = None
    checks: list[str] = field(default_factory=list)
    comment: str | None = None
    # Path of the flattened object the column comes from; () for a top-level field.
    group: tuple[str, ...] = ()
    group_required: bool = False


@dataclass
class ForeignKey:
    """A foreign key from ``columns`` to the primary key of ``table``."""

    name: str
    columns: list[str]
    table: str
    ref_columns: list[str]
    on_delete: str


@dataclass
class Table:
    """One table and where its rows come from in a document."""

    name: str
    comment: str | None
    columns: list[Column]
    primary_key: list[str]
    unique: list[list[str]]
    foreign_keys: list[ForeignKey]
    indexes: list[list[str]]
    upsert_key: list[str]
    immutable: list[str]
    stage_name: str
    entity: str | None = None
    parent: str | None = None
    parent_key: list[str] = field(default_factory=list)
    field_name: str | None = None
    shape: str = "entity"
    config: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def has_updated_at(self) -> bool:
        return "updated_at" in self.column_names


def quote(name: str) -> str:
    """Quote an identifier when PostgreSQL would fold, reject or misread it bare."""
    plain = name.isascii() and name.replace("_", "a").isalnum() and name == name.lower()
    if plain and not name[0].isdigit() and name not in _QUOTED_KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def shorten(name: str) -> str:
    """Fit a name into PostgreSQL's 63-byte identifiers: a prefix plus a hash of the whole."""
    encoded = name.encode()
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    prefix = encoded[: MAX_IDENTIFIER_BYTES - 9].decode(errors="ignore")
    return f"{prefix}_{digest}"


def literal(value: Any) -> str:
    """Render a JSON scalar as an SQL literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise SpecError(f"a default or enum value of {value!r} has no SQL literal")


@cache
def read_config(config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """Read the table mapping from ``tables.yaml``."""
    path = config_dir / "tables.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))["tables"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise SpecError(f"{path}: cannot read the table mapping: {error}") from error


def build_tables(
    spec: Spec, unsupported: Unsupported, config: dict[str, Any] | None = None
) -> list[Table]:
    """Derive every table from the spec, in foreign-key order."""
    config = read_config() if config is None else config
    builder = _Builder(spec, unsupported)
    child_fields: dict[str, set[str]] = {}
    for entry in config.values():
        if entry and "parent" in entry:
            child_fields.setdefault(entry["parent"], set()).add(entry["field"])

    tables: dict[str, Table] = {}
    for name, entry in config.items():
        entry = {**(entry or {}), "child_fields": child_fields.get(name, set())}
        tables[name] = builder.table(name, entry, tables)
    _check_names(tables.values())
    return list(tables.values())


class _Builder:
    def __init__(self, spec: Spec, unsupported: Unsupported) -> None:
        self.spec = spec
        self.unsupported = unsupported

    def table(self, name: str, entry: dict[str, Any], known: dict[str, Table]) -> Table:
        table_name = shorten(name)
        if "entity" in entry:
            schema, resolver = self._entity_schema(entry["entity"])
            columns = self._object_columns(
                table_name, schema, resolver, entry, (), True
            )
            primary_key = entry.get("primary_key") or [schema["required"][0]]
            table = self._new_table(table_name, entry, columns, primary_key, schema)
            table.entity = entry["entity"]
        else:
            table = self._child_table(table_name, entry, known)
        self._add_foreign_keys(table, entry, known)
        return table

    def _entity_schema(self, kind: str) -> tuple[dict[str, Any], Any]:
        try:
            entity = self.spec.entity(kind)
        except KeyError as error:
            raise SpecError(
                f"tables.yaml names entity {kind!r}, which the spec does not define"
            ) from error
        resolver = self.spec.registry.resolver(base_uri=entity.uri)
        return self.spec.schema_at(entity.uri), resolver

    def _new_table(
        self,
        name: str,
        entry: dict[str, Any],
        columns: list[Column],
        primary_key: list[str],
        schema: dict[str, Any] | None,
    ) -> Table:
        for column_name, expression in (entry.get("defaults") or {}).items():
            _find(columns, column_name, name).default_sql = expression
        for column_name in entry.get("not_null") or []:
            _find(columns, column_name, name).not_null = True
        for column_name in primary_key:
            _find(columns, column_name, name).not_null = True

        return Table(
            name=name,
            comment=(schema or {}).get("description"),
            columns=columns,
            primary_key=primary_key,
            unique=entry.get("unique") or [],
            foreign_keys=[],
            indexes=[_as_list(index) for index in entry.get("indexes") or []],
            upsert_key=entry.get("upsert_key") or primary_key,
            immutable=entry.get("immutable") or [],
            stage_name=shorten(f"stage_{name}"),
            config=entry,
        )

    def _child_table(
        self, name: str, entry: dict[str, Any], known: dict[str, Table]
    ) -> Table:
        parent = known.get(entry.get("parent", ""))
        if parent is None or parent.entity is None:
            raise SpecError(f"tables.yaml: {name} needs a parent table listed above it")
        schema, resolver = self._entity_schema(parent.entity)
        field_name = entry["field"]
        field_schema, field_resolver = _resolve(
            schema["properties"][field_name], resolver
        )

        columns = [
            Column(
                name=key,
                path=(key,),
                sql_type=parent.column(key).sql_type,
                kind="text",
                not_null=not entry.get("parent_optional", False),
                comment=f"Key of the {parent.name} row this row belongs to.",
            )
            for key in parent.primary_key
        ]
        for inherited in entry.get("inherit") or []:
            source = parent.column(inherited)
            columns.append(
                Column(
                    name=inherited,
                    path=(inherited,),
                    sql_type=source.sql_type,
                    kind=source.kind,
                    not_null=source.not_null,
                    comment=source.comment,
                )
            )
        shape_columns, default_key = self._shape_columns(
            name, entry, field_schema, field_resolver
        )
        columns.extend(shape_columns)
        if "id" in entry:
            columns.insert(
                0,
                Column(
                    name=entry["id"]["column"],
                    path=(),
                    sql_type="text",
                    kind="derived_id",
                    not_null=True,
                    comment=f"Derived id: {entry['id']['template']}.",
                ),
            )

        if entry["shape"] != "entities":
            default_key = [*parent.primary_key, *default_key]
        primary_key = entry.get("primary_key") or default_key
        table = self._new_table(name, entry, columns, primary_key, None)
        table.comment = field_schema.get("description") or schema["properties"][
            field_name
        ].get("description")
        table.parent = parent.name
        table.parent_key = list(parent.primary_key)
        table.field_name = field_name
        table.shape = entry["shape"]
        return table

    def _shape_columns(
        self, table: str, entry: dict[str, Any], schema: dict[str, Any], resolver: Any
    ) -> tuple[list[Column], list[str]]:
        shape = entry["shape"]
        if shape == "entities":
            item, item_resolver = _resolve(schema["items"], resolver)
            columns = self._object_columns(table, item, item_resolver, entry, (), True)
            return columns, [item["required"][0]]
        if shape == "map":
            key = self._column(
                table,
                entry["key_column"],
                ("key",),
                schema.get("propertyNames", {"type": "string"}),
                resolver,
                True,
            )
            value = self._column(
                table,
                entry["value_column"],
                ("value",),
                schema["additionalProperties"],
                resolver,
                True,
            )
            return [key, value], [key.name]
        if shape == "tags":
            return self._tag_columns(table, entry), [entry["key_column"]]
        if shape == "list":
            value = self._column(
                table,
                entry["value_column"],
                ("value",),
                schema["items"],
                resolver,
                True,
            )
            return [value], [value.name]
        if shape == "metric_points":
            return self._metric_columns(table, entry, schema, resolver), []
        raise SpecError(f"tables.yaml: {table} has unknown shape {shape!r}")

    def _tag_columns(self, table: str, entry: dict[str, Any]) -> list[Column]:
        self.unsupported(
            f"{table}.{entry['value_column']}",
            "tags given as a list of labels are stored with a NULL value, so an empty "
            "list and an empty map both become no rows",
        )
        return [
            Column(
                name=entry["key_column"],
                path=("key",),
                sql_type="text",
                kind="text",
                not_null=True,
                comment="Tag key, or the label of a tag list.",
            ),
            Column(
                name=entry["value_column"],
                path=("value",),
                sql_type="text",
                kind="text",
                comment="Tag value; NULL for a label from a tag list.",
            ),
        ]

    def _metric_columns(
        self, table: str, entry: dict[str, Any], schema: dict[str, Any], resolver: Any
    ) -> list[Column]:
        branches = [_resolve(branch, resolver) for branch in schema["anyOf"]]
        points = [b for b in branches if b[0].get("type") == "array"]
        if not points:
            raise SpecError(
                f"tables.yaml: {table} needs a list-of-points form in the spec"
            )
        item, item_resolver = _resolve(points[0][0]["items"], points[0][1])
        return self._object_columns(table, item, item_resolver, entry, (), True)

    def _object_columns(
        self,
        table: str,
        schema: dict[str, Any],
        resolver: Any,
        entry: dict[str, Any],
        group: tuple[str, ...],
        present: bool,
    ) -> list[Column]:
        """Map each property to a column, flattening the nested objects that ``flatten`` names."""
        flatten = entry.get("flatten") or {}
        rename = entry.get("rename") or {}
        required = set(schema.get("required", []))
        columns = []
        for prop, prop_schema in schema.get("properties", {}).items():
            path = (*group, prop)
            dotted = ".".join(path)
            if dotted in flatten:
                nested, nested_resolver = _resolve(prop_schema, resolver)
                nested_columns = self._object_columns(
                    table,
                    nested,
                    nested_resolver,
                    entry,
                    path,
                    present and prop in required,
                )
                for column in nested_columns:
                    if column.path[:-1] == path:
                        column.name = shorten(flatten[dotted] + column.name)
                columns.extend(nested_columns)
                continue
            if _is_child_field(entry, prop, group):
                continue
            name = rename.get(prop, prop) if not group else prop
            column = self._column(
                table,
                shorten(name),
                path,
                prop_schema,
                resolver,
                present and prop in required,
            )
            column.group = group
            column.group_required = bool(group) and prop in required
            columns.append(column)
        return columns

    def _column(
        self,
        table: str,
        name: str,
        path: tuple[str, ...],
        schema: dict[str, Any],
        resolver: Any,
        required: bool,
    ) -> Column:
        description = schema.get("description")
        resolved, resolver = _resolve(schema, resolver)
        description = description or resolved.get("description")
        column = Column(
            name=name, path=path, sql_type="text", kind="text", comment=description
        )
        nullable = self._set_type(table, column, resolved, resolver)
        column.not_null = required and not nullable
        if "default" in resolved:
            column.spec_default = resolved["default"]
            column.default_sql = literal(resolved["default"])
        return column

    def _set_type(
        self, table: str, column: Column, schema: dict[str, Any], resolver: Any
    ) -> bool:
        """Set the column's type and checks from the schema; return whether null is allowed."""
        location = f"{table}.{column.name}"
        if "anyOf" in schema:
            return self._set_union_type(location, column, schema, resolver)

        types = schema.get("type")
        types = [types] if isinstance(types, str) else list(types or [])
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        if not types:
            column.sql_type, column.kind = "jsonb", "json"
        elif len(types) > 1:
            self._set_multi_type(location, column, types)
        else:
            self._set_single_type(location, column, types[0], schema, resolver)
        return nullable

    def _set_union_type(
        self, location: str, column: Column, schema: dict[str, Any], resolver: Any
    ) -> bool:
        branches = [_resolve(branch, resolver) for branch in schema["anyOf"]]
        nullable = any(b.get("type") == "null" for b, _ in branches)
        branches = [(b, r) for b, r in branches if b.get("type") != "null"]
        if _is_metric_value(branches):
            column.sql_type, column.kind = "double precision", "metric"
        elif len(branches) == 1:
            nullable = (
                self._set_type(location.split(".")[0], column, *branches[0]) or nullable
            )
        else:
            column.sql_type, column.kind = "jsonb", "json"
            self.unsupported(
                location, "a union of several JSON types is stored as jsonb"
            )
        return nullable

    def _set_multi_type(self, location: str, column: Column, types: list[str]) -> None:
        if set(types) <= {"object", "array", "boolean"}:
            column.sql_type, column.kind = "jsonb", "json"
            return
        column.sql_type, column.kind = "text", "scalar_text"
        self.unsupported(
            location,
            f"a value of type {' or '.join(types)} is stored as text, so its JSON type is lost",
        )

    def _set_single_type(
        self,
        location: str,
        column: Column,
        json_type: str,
        schema: dict[str, Any],
        resolver: Any,
    ) -> None:
        quoted = COLUMN
        if json_type == "string":
            is_time = schema.get("format") == "date-time"
            column.sql_type, column.kind = (
                ("timestamptz", "timestamp") if is_time else ("text", "text")
            )
        elif json_type == "integer":
            low, high = schema.get("minimum", INT64[0]), schema.get("maximum", INT64[1])
            fits_int32 = INT32[0] <= low and high <= INT32[1]
            column.sql_type, column.kind = (
                ("integer" if fits_int32 else "bigint"),
                "integer",
            )
        elif json_type == "number":
            column.sql_type, column.kind = "double precision", "number"
        elif json_type == "boolean":
            column.sql_type, column.kind = "boolean", "boolean"
        elif json_type == "array":
            self._set_array_type(location, column, schema, resolver)
            return
        else:
            column.sql_type, column.kind = "jsonb", "json"
            return
        column.checks.extend(_scalar_checks(quoted, column.sql_type, schema))

    def _set_array_type(
        self, location: str, column: Column, schema: dict[str, Any], resolver: Any
    ) -> None:
        item, _ = _resolve(schema.get("items", {}), resolver)
        item_type = item.get("type")
        if item_type not in ("integer", "string") or "enum" in item:
            column.sql_type, column.kind = "jsonb", "json"
            return
        element = Column(
            name=column.name, path=column.path, sql_type="text", kind="text"
        )
        self._set_single_type(location, element, item_type, item, resolver)
        column.sql_type, column.kind = element.sql_type + "[]", "array"
        quoted = COLUMN
        if "minimum" in item and item["minimum"] > INT32[0]:
            column.checks.append(f"{literal(item['minimum'])} <= ALL ({quoted})")
        if "maximum" in item and item["maximum"] < INT32[1]:
            column.checks.append(f"{literal(item['maximum'])} >= ALL ({quoted})")

    def _add_foreign_keys(
        self, table: Table, entry: dict[str, Any], known: dict[str, Table]
    ) -> None:
        if table.parent:
            optional = entry.get("parent_optional", False)
            table.foreign_keys.append(
                _foreign_key(
                    table,
                    table.parent_key,
                    known[table.parent],
                    "SET NULL" if optional else "CASCADE",
                )
            )
        for column_name, target in (entry.get("references") or {}).items():
            referenced = table if target == table.name else known.get(target)
            if referenced is None:
                raise SpecError(
                    f"tables.yaml: {table.name}.{column_name} references {target}, "
                    "which must be listed above it"
                )
            _find(table.columns, column_name, table.name)
            table.foreign_keys.append(
                _foreign_key(table, [column_name], referenced, "NO ACTION")
            )


def _foreign_key(
    table: Table, columns: list[str], referenced: Table, on_delete: str
) -> ForeignKey:
    return ForeignKey(
        name=shorten(f"{table.name}_{'_'.join(columns)}_fkey"),
        columns=columns,
        table=referenced.name,
        ref_columns=list(referenced.primary_key),
        on_delete=on_delete,
    )


def _scalar_checks(quoted: str, sql_type: str, schema: dict[str, Any]) -> list[str]:
    """Derive CHECK expressions from ``enum``, ``minimum`` and ``maximum``.

    A bound equal to the column type's own limit is left out.
    """
    checks = []
    if "enum" in schema:
        values = ", ".join(literal(value) for value in schema["enum"])
        checks.append(f"{quoted} IN ({values})")

    type_bounds = {"integer": INT32, "bigint": INT64}.get(sql_type, (None, None))
    range_parts = []
    if "minimum" in schema and schema["minimum"] != type_bounds[0]:
        range_parts.append(f"{quoted} >= {literal(schema['minimum'])}")
    if "maximum" in schema and schema["maximum"] != type_bounds[1]:
        range_parts.append(f"{quoted} <= {literal(schema['maximum'])}")
    if range_parts:
        checks.append(" AND ".join(range_parts))
    return checks


def _is_metric_value(branches: list[tuple[dict[str, Any], Any]]) -> bool:
    """Recognise a number that may also be written as "NaN", "Infinity" or "-Infinity"."""
    types = {b.get("type") for b, _ in branches}
    enums = {value for b, _ in branches for value in b.get("enum", [])}
    return types == {"number", "string"} and enums == {"NaN", "Infinity", "-Infinity"}


def _resolve(schema: dict[str, Any], resolver: Any) -> tuple[dict[str, Any], Any]:
    """Follow ``$ref`` chains; sibling keywords of a ``$ref`` are kept over the target's."""
    while isinstance(schema, dict) and "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        schema, resolver = {**resolved.contents, **siblings}, resolved.resolver
    return schema, resolver


def _is_child_field(entry: dict[str, Any], prop: str, group: tuple[str, ...]) -> bool:
    return not group and prop in (entry.get("child_fields") or ())


def _find(columns: list[Column], name: str, table: str) -> Column:
    for column in columns:
        if column.name == name:
            return column
    raise SpecError(
        f"tables.yaml names column {table}.{name}, which the spec does not derive"
    )


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_names(tables: Any) -> None:
    """Reject two tables, or two columns of one table, with the same name."""
    seen_tables: set[str] = set()
    for table in tables:
        if table.name in seen_tables:
            raise SpecError(f"two tables are named {table.name}")
        seen_tables.add(table.name)
        names = table.column_names
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SpecError(
                f"table {table.name} has duplicate columns: {', '.join(duplicates)}"
            )
