"""Compare the PostgreSQL schemas generated from two spec versions.

``schema_diff`` pairs tables, columns, constraints and indexes of the two
generated schemas. ``database_changes`` classifies the result for people who
keep data in those tables, and ``mlspec.compat.migrate`` turns it into SQL.
A table that disappears while another with the same columns appears is a
rename, so its rows can be kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pglast import ast, enums

from mlspec.compat.changes import Audience, Change
from mlspec.compat.ddl import (
    ColumnDef,
    ConstraintDef,
    DatabaseSchema,
    IndexDef,
    parse_schema,
    quote,
    sql_text,
)
from mlspec.errors import SpecError
from mlspec.generate.sql import generate_sql
from mlspec.spec import Spec

DB = Audience.DATABASE
SCHEMA_FILE = "sql/postgres/schema.sql"


@dataclass
class SchemaDiff:
    """The differences between two generated schemas, grouped as the steps of a migration."""

    old: DatabaseSchema
    new: DatabaseSchema
    renamed_tables: dict[str, str] = field(default_factory=dict)
    added_tables: list[str] = field(default_factory=list)
    dropped_tables: list[str] = field(default_factory=list)
    added_columns: list[tuple[str, ColumnDef]] = field(default_factory=list)
    dropped_columns: list[tuple[str, ColumnDef]] = field(default_factory=list)
    altered_columns: list[tuple[str, ColumnDef, ColumnDef]] = field(
        default_factory=list
    )
    renamed_constraints: list[tuple[str, str, str]] = field(default_factory=list)
    dropped_constraints: list[tuple[str, ConstraintDef]] = field(default_factory=list)
    added_constraints: list[tuple[str, ConstraintDef]] = field(default_factory=list)
    renamed_indexes: list[tuple[str, str]] = field(default_factory=list)
    dropped_indexes: list[IndexDef] = field(default_factory=list)
    added_indexes: list[IndexDef] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def generated_schema(spec: Spec) -> DatabaseSchema:
    """Generate the PostgreSQL schema of ``spec`` and parse it."""
    # NOTE: both versions use the installed generator and table mapping, so
    # an edit to generators/sql/tables.yaml between two revisions is not seen.
    # Lossy mappings do not matter here: both versions go through the same generator.
    outputs = generate_sql(spec, lambda location, message: None)
    return parse_schema(outputs[SCHEMA_FILE], SCHEMA_FILE)


def database_changes(old: Spec, new: Spec) -> Iterator[Change]:
    """Classify the differences between the schemas generated from ``old`` and ``new``."""
    try:
        diff = schema_diff(generated_schema(old), generated_schema(new))
    except SpecError as error:
        # NOTE: the table mapping (generators/sql/tables.yaml) names entity
        # kinds, so a renamed entity needs a mapping edit before it has tables.
        yield Change(
            DB,
            "schema-not-generated",
            True,
            "database",
            f"no PostgreSQL schema can be generated: {error}",
            SCHEMA_FILE,
            SCHEMA_FILE,
        )
        return
    yield from classify(diff)


def schema_diff(old: DatabaseSchema, new: DatabaseSchema) -> SchemaDiff:
    """Pair every table, column, constraint and index of ``old`` with ``new``."""
    diff = SchemaDiff(old, new)
    _pair_tables(diff)
    for new_name, table in new.tables.items():
        old_name = _old_name(diff, new_name)
        if old_name is None:
            continue
        _pair_columns(diff, old.tables[old_name].columns, table.columns, new_name)
        _pair_constraints(diff, old.tables[old_name].constraints, table, new_name)
    _pair_indexes(diff)
    _collect_comments(diff)
    return diff


def _old_name(diff: SchemaDiff, new_name: str) -> str | None:
    for old_name, renamed in diff.renamed_tables.items():
        if renamed == new_name:
            return old_name
    return new_name if new_name in diff.old.tables else None


def _pair_tables(diff: SchemaDiff) -> None:
    missing = [name for name in diff.old.tables if name not in diff.new.tables]
    fresh = [name for name in diff.new.tables if name not in diff.old.tables]
    for old_name in missing:
        old_columns = diff.old.tables[old_name].columns
        match = next(
            (name for name in fresh if diff.new.tables[name].columns == old_columns),
            None,
        )
        if match is None:
            diff.dropped_tables.append(old_name)
        else:
            diff.renamed_tables[old_name] = match
            fresh.remove(match)
    diff.added_tables = fresh


def _pair_columns(diff, old_columns, new_columns, table: str) -> None:
    for name, column in new_columns.items():
        before = old_columns.get(name)
        if before is None:
            diff.added_columns.append((table, column))
        elif before != column:
            diff.altered_columns.append((table, before, column))
    for name, column in old_columns.items():
        if name not in new_columns:
            diff.dropped_columns.append((table, column))


def _rename_references(diff: SchemaDiff, body: str) -> str:
    for old_name, new_name in diff.renamed_tables.items():
        body = body.replace(
            f"REFERENCES {quote(old_name)} (", f"REFERENCES {quote(new_name)} ("
        )
        body = body.replace(f" ON {quote(old_name)} ", f" ON {quote(new_name)} ")
    return body


def _pair_constraints(diff, old_constraints, table, table_name: str) -> None:
    """Keep equal constraints, rename those whose name alone changed, drop and add the rest."""
    unmatched = {
        name: constraint
        for name, constraint in old_constraints.items()
        if name not in table.constraints
    }
    for name, constraint in table.constraints.items():
        before = old_constraints.get(name)
        if before is not None:
            if _rename_references(diff, before.body) != constraint.body:
                diff.dropped_constraints.append((table_name, before))
                diff.added_constraints.append((table_name, constraint))
            continue
        renamed = next(
            (
                old_name
                for old_name, old in unmatched.items()
                if _rename_references(diff, old.body) == constraint.body
            ),
            None,
        )
        if renamed is None:
            diff.added_constraints.append((table_name, constraint))
        else:
            diff.renamed_constraints.append((table_name, renamed, name))
            del unmatched[renamed]
    diff.dropped_constraints.extend((table_name, old) for old in unmatched.values())


def _pair_indexes(diff: SchemaDiff) -> None:
    def body(index: IndexDef) -> str:
        return index.create_sql.replace(f" {quote(index.name)} ON ", " ON ")

    unmatched = {
        name: index
        for name, index in diff.old.indexes.items()
        if name not in diff.new.indexes and index.table not in diff.dropped_tables
    }
    for name, index in diff.new.indexes.items():
        before = diff.old.indexes.get(name)
        if before is not None:
            if _rename_references(diff, before.create_sql) != index.create_sql:
                diff.dropped_indexes.append(before)
                diff.added_indexes.append(index)
            continue
        renamed = next(
            (
                old_name
                for old_name, old in unmatched.items()
                if _rename_references(diff, body(old)) == body(index)
            ),
            None,
        )
        if renamed is None:
            diff.added_indexes.append(index)
        else:
            diff.renamed_indexes.append((renamed, name))
            del unmatched[renamed]
    diff.dropped_indexes.extend(unmatched.values())


def _collect_comments(diff: SchemaDiff) -> None:
    for key, statement in diff.new.comments.items():
        if diff.old.comments.get(key) != statement:
            diff.comments.append(statement)


def classify(diff: SchemaDiff) -> Iterator[Change]:
    """Yield one database change per table, column, constraint and index difference."""
    location = f"{SCHEMA_FILE}#"
    for name in diff.added_tables:
        yield Change(DB, "table-added", False, name, "new table", None, location + name)
    for name in diff.dropped_tables:
        yield Change(
            DB,
            "table-dropped",
            True,
            name,
            "data loss: the table and its rows are dropped",
            location + name,
            None,
        )
    for old_name, new_name in diff.renamed_tables.items():
        yield Change(
            DB,
            "table-renamed",
            True,
            old_name,
            f"renamed to {new_name}: rows are kept, SQL that names {old_name} fails",
            location + old_name,
            location + new_name,
        )
    yield from _column_changes(diff, location)
    yield from _constraint_changes(diff, location)
    yield from _index_changes(diff, location)


def _column_changes(diff: SchemaDiff, location: str) -> Iterator[Change]:
    for table, column in diff.added_columns:
        where = f"{location}{table}.{column.name}"
        if column.not_null and column.default_sql is None:
            yield Change(
                DB,
                "column-added-not-null",
                True,
                f"{table}.{column.name}",
                "new NOT NULL column without a default: tables with rows cannot take it",
                None,
                where,
            )
        else:
            yield Change(
                DB,
                "column-added",
                False,
                f"{table}.{column.name}",
                "new column",
                None,
                where,
            )
    for table, column in diff.dropped_columns:
        where = f"{location}{table}.{column.name}"
        yield Change(
            DB,
            "column-dropped",
            True,
            f"{table}.{column.name}",
            "data loss: the column's values are dropped",
            where,
            None,
        )
    for table, before, after in diff.altered_columns:
        yield from _altered_column(
            table, before, after, f"{location}{table}.{after.name}"
        )


def _altered_column(
    table: str, before: ColumnDef, after: ColumnDef, where: str
) -> Iterator[Change]:
    subject = f"{table}.{after.name}"
    if before.type_sql != after.type_sql:
        yield Change(
            DB,
            "column-type-changed",
            True,
            subject,
            f"type {before.type_sql} -> {after.type_sql}: stored values must convert",
            where,
            where,
        )
    if after.not_null and not before.not_null:
        yield Change(
            DB,
            "column-set-not-null",
            True,
            subject,
            "now NOT NULL: existing NULLs fail",
            where,
            where,
        )
    if before.not_null and not after.not_null:
        yield Change(
            DB, "column-drop-not-null", False, subject, "now nullable", where, where
        )
    if before.default_sql != after.default_sql:
        yield Change(
            DB,
            "column-default-changed",
            False,
            subject,
            f"default {before.default_sql} -> {after.default_sql}",
            where,
            where,
        )


def _constraint_changes(diff: SchemaDiff, location: str) -> Iterator[Change]:
    dropped = {(table, c.name): c for table, c in diff.dropped_constraints}
    for table, constraint in diff.added_constraints:
        where = f"{location}{table}.{constraint.name}"
        before = dropped.pop((table, constraint.name), None)
        if before is not None and constraint.kind == "check":
            looser = check_is_looser(before, constraint)
            kind = "check-loosened" if looser else "check-tightened"
            message = f"{before.body} -> {constraint.body}"
            if not looser:
                message += ": existing rows may violate it"
            yield Change(
                DB,
                kind,
                not looser,
                f"{table}.{constraint.name}",
                message,
                where,
                where,
            )
            continue
        old_where = where if before is not None else None
        yield Change(
            DB,
            f"{constraint.kind.replace(' ', '-')}-added",
            True,
            f"{table}.{constraint.name}",
            f"{constraint.body}: existing rows may violate it",
            old_where,
            where,
        )
    for (table, name), constraint in dropped.items():
        # Dropping a key breaks ON CONFLICT targets that use it. Other drops only loosen.
        breaking = constraint.kind in ("primary key", "unique")
        yield Change(
            DB,
            f"{constraint.kind.replace(' ', '-')}-dropped",
            breaking,
            f"{table}.{name}",
            f"{constraint.body} dropped",
            f"{location}{table}.{name}",
            None,
        )
    for table, old_name, new_name in diff.renamed_constraints:
        yield Change(
            DB,
            "constraint-renamed",
            False,
            f"{table}.{old_name}",
            f"renamed to {new_name}",
            f"{location}{table}.{old_name}",
            f"{location}{table}.{new_name}",
        )


def _index_changes(diff: SchemaDiff, location: str) -> Iterator[Change]:
    for index in diff.added_indexes:
        yield Change(
            DB,
            "index-added",
            False,
            index.name,
            "new index",
            None,
            location + index.name,
        )
    for index in diff.dropped_indexes:
        yield Change(
            DB,
            "index-dropped",
            False,
            index.name,
            "index dropped",
            location + index.name,
            None,
        )
    for old_name, new_name in diff.renamed_indexes:
        yield Change(
            DB,
            "index-renamed",
            False,
            old_name,
            f"renamed to {new_name}",
            location + old_name,
            location + new_name,
        )


def check_is_looser(before: ConstraintDef, after: ConstraintDef) -> bool:
    """Return whether every row that passes ``before`` also passes ``after``.

    A CHECK is read as an AND of ``column IN (...)`` lists and ``column >=``
    or ``<=`` bounds. ``after`` is looser when each of its terms is implied
    by a term of ``before``. Any other expression counts as tighter.
    """
    old_terms = [_check_shape(term) for term in _conjuncts(before.node.raw_expr)]
    new_terms = [_check_shape(term) for term in _conjuncts(after.node.raw_expr)]
    if None in old_terms or None in new_terms:
        return False
    return all(any(_implies(old, new) for old in old_terms) for new in new_terms)


def _conjuncts(expression: Any) -> list[Any]:
    """Split ``a AND b AND c`` into its terms."""
    if (
        isinstance(expression, ast.BoolExpr)
        and expression.boolop == enums.BoolExprType.AND_EXPR
    ):
        terms: Any = expression.args
        return [part for term in terms for part in _conjuncts(term)]
    return [expression]


def _implies(old: Any, new: Any) -> bool:
    """Return whether a value that meets the ``old`` term also meets ``new``."""
    if old[:2] != new[:2]:
        return False
    operator, old_value, new_value = old[1], old[2], new[2]
    if operator == "IN":
        return old_value <= new_value
    if operator in (">=", ">"):
        return new_value <= old_value
    return new_value >= old_value


def _check_shape(expression: Any) -> tuple[str, str, Any] | None:
    """Return ``(column, operator, values or bound)`` of a simple term, else None."""
    if not isinstance(expression, ast.A_Expr):
        return None
    left: Any = expression.lexpr
    right: Any = expression.rexpr
    names: Any = expression.name
    if not isinstance(left, ast.ColumnRef):
        return None

    column, operator = sql_text(left), names[-1].sval
    if expression.kind == enums.A_Expr_Kind.AEXPR_IN:
        return column, "IN", frozenset(sql_text(value) for value in right)
    if expression.kind != enums.A_Expr_Kind.AEXPR_OP:
        return None
    if operator not in (">=", ">", "<=", "<"):
        return None
    try:
        return column, operator, Decimal(sql_text(right))
    except InvalidOperation:
        return None
