"""Read a generated PostgreSQL schema into tables, columns, constraints and indexes.

The DDL comes from ``mlspec.generate.sql``. PostgreSQL's own parser
(pglast) reads it, and every element is printed back in pglast's canonical
form, so two schemas compare by meaning rather than by layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pglast import ast, enums, parse_sql
from pglast.stream import RawStream, maybe_double_quote_name

from mlspec.errors import SpecError


@dataclass
class ColumnDef:
    """A column: its type, nullability and default, each as canonical SQL."""

    name: str
    type_sql: str
    not_null: bool
    default_sql: str | None


@dataclass
class ConstraintDef:
    """A named table constraint: PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK."""

    name: str
    kind: str
    # The definition without "CONSTRAINT <name>", such as "CHECK (x >= 0)".
    body: str
    node: Any = field(repr=False, compare=False, default=None)


@dataclass
class TableDef:
    """A table and the statement that creates it."""

    name: str
    columns: dict[str, ColumnDef]
    constraints: dict[str, ConstraintDef]
    create_sql: str


@dataclass
class IndexDef:
    """An index, with the statement that creates it."""

    name: str
    table: str
    create_sql: str


@dataclass
class DatabaseSchema:
    """Every table, index and comment of one generated schema, in file order."""

    tables: dict[str, TableDef] = field(default_factory=dict)
    indexes: dict[str, IndexDef] = field(default_factory=dict)
    # (object type, target) -> COMMENT statement. The target is "table" or "table.column".
    comments: dict[tuple[str, str], str] = field(default_factory=dict)


_CONSTRAINT_KINDS = {
    enums.ConstrType.CONSTR_PRIMARY: "primary key",
    enums.ConstrType.CONSTR_UNIQUE: "unique",
    enums.ConstrType.CONSTR_FOREIGN: "foreign key",
    enums.ConstrType.CONSTR_CHECK: "check",
}


def quote(name: str) -> str:
    """Quote an identifier when PostgreSQL would fold or misread it bare."""
    return maybe_double_quote_name(name)


def sql_text(node: Any) -> str:
    """Print a pglast node as canonical SQL."""
    return RawStream()(node)


def parse_schema(text: str, source: str = "schema.sql") -> DatabaseSchema:
    """Parse generated DDL, raising ``SpecError`` for a statement type it does not compare."""
    schema = DatabaseSchema()
    for raw in parse_sql(text):
        # pglast types every node field as optional, so nodes are Any here.
        statement: Any = raw.stmt
        if isinstance(statement, ast.CreateStmt):
            table = _table(statement)
            schema.tables[table.name] = table
        elif isinstance(statement, ast.IndexStmt):
            index = _index(statement)
            schema.indexes[index.name] = index
        elif isinstance(statement, ast.CommentStmt):
            schema.comments[_comment_key(statement)] = sql_text(statement)
        else:
            raise SpecError(
                f"{source}: unsupported statement type {type(statement).__name__}; "
                "only CREATE TABLE, CREATE INDEX and COMMENT are compared"
            )
    return schema


def _table(statement: Any) -> TableDef:
    columns: dict[str, ColumnDef] = {}
    constraints: dict[str, ConstraintDef] = {}
    for element in statement.tableElts:
        if isinstance(element, ast.ColumnDef):
            column = _column(element)
            columns[column.name] = column
        elif isinstance(element, ast.Constraint):
            constraint = _constraint(statement.relation.relname, element)
            constraints[constraint.name] = constraint
    return TableDef(
        statement.relation.relname, columns, constraints, sql_text(statement)
    )


def _index(statement: Any) -> IndexDef:
    return IndexDef(statement.idxname, statement.relation.relname, sql_text(statement))


def _column(element: Any) -> ColumnDef:
    not_null, default = False, None
    for constraint in element.constraints or ():
        if constraint.contype == enums.ConstrType.CONSTR_NOTNULL:
            not_null = True
        elif constraint.contype == enums.ConstrType.CONSTR_DEFAULT:
            default = sql_text(constraint.raw_expr)
    return ColumnDef(element.colname, sql_text(element.typeName), not_null, default)


def _constraint(table: str, element: Any) -> ConstraintDef:
    kind = _CONSTRAINT_KINDS.get(element.contype)
    if kind is None or not element.conname:
        raise SpecError(
            f"table {table}: cannot compare an unnamed or {element.contype!r} constraint"
        )
    text = sql_text(element)
    body = text.removeprefix(f"CONSTRAINT {quote(element.conname)} ")
    return ConstraintDef(element.conname, kind, body, element)


def _comment_key(statement: Any) -> tuple[str, str]:
    target: Any = statement.object
    parts: Any = [target] if isinstance(target, ast.String) else target
    name = ".".join(str(part.sval) for part in parts)
    return statement.objtype.name.removeprefix("OBJECT_").lower(), name
