"""Generate the PostgreSQL DDL, the loader's upserts and the report queries.

Each construct (table, index, comment, staging table, upsert, report) has
one small Jinja2 template under ``generators/sql/templates``. This module
computes the typed context from ``mlspec.store.tables`` and renders it.
Every statement is parsed by pglast (PostgreSQL's own parser) before it is
returned, so a template mistake fails here with the statement and position.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
import sqlglot
import sqlglot.errors
from pglast import parser as pg_parser

from mlspec.errors import SpecError
from mlspec.spec import Spec
from mlspec.store.tables import (
    COLUMN,
    CONFIG_DIR,
    Column,
    Table,
    build_tables,
    literal,
    quote,
    shorten,
)

log = logging.getLogger(__name__)

TEMPLATE_DIR = CONFIG_DIR / "templates"
SCHEMA_FILE = "sql/postgres/schema.sql"
UPSERTS_FILE = "sql/postgres/upserts.sql"
REPORTS_FILE = "sql/postgres/reports.sql"
# Key of the transaction-level advisory lock that serialises loads: the
# first 8 bytes of sha256("mlspec.store.load") as a signed 64-bit integer.
LOAD_LOCK_KEY = 8336804140181429499
REPORTS = (
    "experiment_summary",
    "model_performance",
    "deployments",
    "health",
    "run_comparison",
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class SqlGenerationError(SpecError):
    """A rendered statement is not valid PostgreSQL."""


@dataclass
class ColumnContext:
    name: str
    sql_type: str
    not_null: bool
    default: str | None


@dataclass
class ConstraintContext:
    name: str
    columns: list[str] = field(default_factory=list)
    table: str = ""
    ref_columns: list[str] = field(default_factory=list)
    on_delete: str = ""
    expression: str = ""


@dataclass
class TableContext:
    """Context of the table, staging and upsert templates, with every name quoted."""

    name: str
    stage: str
    columns: list[ColumnContext]
    primary_key: ConstraintContext
    uniques: list[ConstraintContext]
    foreign_keys: list[ConstraintContext]
    checks: list[ConstraintContext]
    column_names: list[str]
    select_list: list[str]
    upsert_key: list[str]
    updates: list[str]
    compared_target: list[str]
    compared_excluded: list[str]


@dataclass
class IndexContext:
    name: str
    table: str
    columns: list[str]


@dataclass
class CommentContext:
    target: str
    text: str


@dataclass
class ConflictContext:
    """A check that a load does not change an immutable column of a stored row."""

    table: str
    stage: str
    column: str
    stored: str
    new: str
    join: list[str]
    key_stage: list[str]
    key_plain: list[str]


def generate_sql(spec: Spec, unsupported: Callable[[str, str], None]) -> dict[str, str]:
    """Render schema.sql, upserts.sql and reports.sql, keyed by path under ``generated/``."""
    tables = build_tables(spec, unsupported)
    environment = _environment()
    outputs = {
        SCHEMA_FILE: _join(_schema_statements(environment, tables)),
        UPSERTS_FILE: _join(_upsert_statements(environment, tables)),
        REPORTS_FILE: _join(_report_statements(environment)),
    }
    log.debug("rendered SQL for %d tables", len(tables))
    return outputs


def named_statements(text: str) -> dict[str, str]:
    """Split a generated file into its ``-- name: <name>`` statements."""
    statements: dict[str, str] = {}
    for block in ("\n" + text).split("\n-- name: ")[1:]:
        name, _, body = block.partition("\n")
        statements[name.strip()] = body.strip().removesuffix(";")
    return statements


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _schema_statements(
    env: jinja2.Environment, tables: list[Table]
) -> list[tuple[str, str]]:
    statements = []
    relation_names: list[str] = []
    for table in tables:
        context = _table_context(table)
        indexes = _index_contexts(table)
        _check_constraint_names(context)
        relation_names.extend([context.name, context.primary_key.name])
        relation_names.extend(unique.name for unique in context.uniques)
        relation_names.extend(index.name for index in indexes)
        statements.append(
            (
                f"table_{table.name}",
                env.get_template("table.sql.j2").render(table=context),
            )
        )
        for index in indexes:
            statements.append(
                (
                    f"index_{index.name}",
                    env.get_template("index.sql.j2").render(index=index),
                )
            )
        for comment in _comment_contexts(table):
            statements.append(
                ("", env.get_template("comment.sql.j2").render(comment=comment))
            )
    _reject_duplicates(relation_names, "table and index names")
    return [(name, _checked(sql)) for name, sql in statements]


def _check_constraint_names(context: TableContext) -> None:
    constraints = [context.primary_key, *context.uniques, *context.foreign_keys]
    names = [constraint.name for constraint in [*constraints, *context.checks]]
    _reject_duplicates(names, f"constraint names of table {context.name}")


def _reject_duplicates(names: list[str], kind: str) -> None:
    """Raise when shortening gave two constraints, indexes or tables one name."""
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SqlGenerationError(f"duplicate {kind}: {', '.join(duplicates)}")


def _upsert_statements(
    env: jinja2.Environment, tables: list[Table]
) -> list[tuple[str, str]]:
    statements = [
        ("lock_load", env.get_template("lock.sql.j2").render(lock_key=LOAD_LOCK_KEY))
    ]
    for table in tables:
        context = _table_context(table)
        statements.append(
            (
                f"stage_{table.name}",
                env.get_template("stage.sql.j2").render(table=context),
            )
        )
        copy = env.get_template("copy.sql.j2").render(table=context)
        statements.append((f"copy_{table.name}", copy))
        for conflict in _conflict_contexts(table):
            sql = env.get_template("conflicts.sql.j2").render(conflict=conflict)
            statements.append((f"conflicts_{table.name}_{conflict.column}", sql))
        statements.append(
            (
                f"upsert_{table.name}",
                env.get_template("upsert.sql.j2").render(table=context),
            )
        )
    return [(name, _checked(sql)) for name, sql in statements]


def _report_statements(env: jinja2.Environment) -> list[tuple[str, str]]:
    statements = [
        (f"report_{name}", env.get_template(f"report_{name}.sql.j2").render())
        for name in REPORTS
    ]
    health = dict(statements)["report_health"]
    statements.append(
        ("monitor_find_entry", env.get_template("monitor_find_entry.sql.j2").render())
    )
    statements.append(
        (
            "monitor_create_entry",
            env.get_template("monitor_create_entry.sql.j2").render(),
        )
    )
    statements.append(
        (
            "monitor_insert",
            env.get_template("monitor_insert.sql.j2").render(health=health),
        )
    )
    return [(name, _checked(sql)) for name, sql in statements]


def _table_context(table: Table) -> TableContext:
    names = [quote(column.name) for column in table.columns]
    key = [quote(name) for name in table.upsert_key]
    updatable = [
        c
        for c in table.columns
        if c.name not in table.upsert_key and c.name != "updated_at"
    ]
    updatable = [c for c in updatable if c.name not in table.primary_key]
    updates = [f"{quote(c.name)} = EXCLUDED.{quote(c.name)}" for c in updatable]
    if table.has_updated_at:
        updates.append("updated_at = coalesce(EXCLUDED.updated_at, CURRENT_TIMESTAMP)")

    return TableContext(
        name=quote(table.name),
        stage=quote(table.stage_name),
        columns=[_column_context(column) for column in table.columns],
        primary_key=ConstraintContext(
            name=quote(shorten(f"{table.name}_pkey")),
            columns=[quote(c) for c in table.primary_key],
        ),
        uniques=[
            ConstraintContext(
                name=quote(shorten(f"{table.name}_{'_'.join(columns)}_key")),
                columns=[quote(c) for c in columns],
            )
            for columns in table.unique
        ],
        foreign_keys=[
            ConstraintContext(
                name=quote(fk.name),
                columns=[quote(c) for c in fk.columns],
                table=quote(fk.table),
                ref_columns=[quote(c) for c in fk.ref_columns],
                on_delete=fk.on_delete,
            )
            for fk in table.foreign_keys
        ],
        checks=_check_contexts(table),
        column_names=names,
        select_list=[_select_item(table, column) for column in table.columns],
        upsert_key=key,
        updates=updates,
        compared_target=[f"target.{quote(c.name)}" for c in updatable],
        compared_excluded=[f"EXCLUDED.{quote(c.name)}" for c in updatable],
    )


def _column_context(column: Column) -> ColumnContext:
    return ColumnContext(
        name=quote(column.name),
        sql_type=column.sql_type,
        not_null=column.not_null,
        default=column.default_sql,
    )


def _select_item(table: Table, column: Column) -> str:
    """Select a staged column; a column with an SQL default gets it in place of NULL."""
    name = quote(column.name)
    configured = (table.config.get("defaults") or {}).get(column.name)
    if configured is None:
        return name
    return f"coalesce({name}, {configured}) AS {name}"


def _check_contexts(table: Table) -> list[ConstraintContext]:
    checks = []
    for column in table.columns:
        for number, expression in enumerate(column.checks):
            suffix = str(number) if number else ""
            checks.append(
                ConstraintContext(
                    name=quote(shorten(f"{table.name}_{column.name}_check{suffix}")),
                    expression=expression.replace(COLUMN, quote(column.name)),
                )
            )
    checks.extend(_group_checks(table))
    return checks


def _group_checks(table: Table) -> list[ConstraintContext]:
    """Require the required fields of an optional nested object to be all present or all absent."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for column in table.columns:
        if column.group_required and not column.not_null:
            groups.setdefault(column.group, []).append(quote(column.name))
    checks = []
    for group, columns in groups.items():
        if len(columns) < 2:
            continue
        checks.append(
            ConstraintContext(
                name=quote(shorten(f"{table.name}_{'_'.join(group)}_check")),
                expression=f"num_nulls({', '.join(columns)}) IN (0, {len(columns)})",
            )
        )
    return checks


def _index_contexts(table: Table) -> list[IndexContext]:
    """Index each foreign key and each configured column, unless a key already leads with it."""
    covered = [table.primary_key, *table.unique]
    indexed_columns = [fk.columns for fk in table.foreign_keys] + table.indexes
    indexes: list[IndexContext] = []
    for columns in indexed_columns:
        if any(existing[: len(columns)] == columns for existing in covered):
            continue
        covered.append(columns)
        indexes.append(
            IndexContext(
                name=quote(shorten(f"{table.name}_{'_'.join(columns)}_idx")),
                table=quote(table.name),
                columns=[quote(c) for c in columns],
            )
        )
    return indexes


def _comment_contexts(table: Table) -> list[CommentContext]:
    comments = []
    if table.comment:
        comments.append(
            CommentContext(f"TABLE {quote(table.name)}", literal(table.comment))
        )
    for column in table.columns:
        if column.comment:
            target = f"COLUMN {quote(table.name)}.{quote(column.name)}"
            comments.append(CommentContext(target, literal(column.comment)))
    return comments


def _conflict_contexts(table: Table) -> list[ConflictContext]:
    key = [quote(name) for name in table.upsert_key]
    return [
        ConflictContext(
            table=quote(table.name),
            stage=quote(table.stage_name),
            column=quote(column),
            stored=f"stored.{quote(column)}",
            new=f"staged.{quote(column)}",
            join=[f"stored.{name} = staged.{name}" for name in key],
            key_stage=[f"staged.{name}" for name in key],
            key_plain=key,
        )
        for column in table.immutable
    ]


def _checked(sql: str) -> str:
    """Parse the statement with pglast and return the sqlglot-formatted text when it is equal."""
    sql = sql.strip()
    original_tree = _parse_tree(sql, sql)
    formatted = _format(sql)
    if formatted is not None and _parse_tree(formatted, None) == original_tree:
        return formatted
    return sql


def _parse_tree(sql: str, report_as: str | None) -> Any:
    """Return pglast's parse tree without source positions; None when ``report_as`` is None and parsing fails."""
    numbered = _number_placeholders(sql)
    try:
        tree = json.loads(pg_parser.parse_sql_json(numbered))
    except pg_parser.ParseError as error:
        if report_as is None:
            return None
        index = error.args[1] if len(error.args) > 1 else None
        where = "" if index is None else f" at character {index + 1}"
        raise SqlGenerationError(
            f"generated SQL is invalid{where}: {error.args[0]}\n{report_as}"
        ) from error
    return _strip_locations(tree)


def _number_placeholders(sql: str) -> str:
    """Turn psycopg's ``%(name)s`` into ``$n`` so PostgreSQL's parser accepts the statement."""
    numbers: dict[str, int] = {}
    return _PLACEHOLDER.sub(
        lambda m: f"${numbers.setdefault(m[1], len(numbers) + 1)}", sql
    )


def _strip_locations(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip_locations(v)
            for k, v in node.items()
            if k not in ("location", "stmt_len", "stmt_location")
        }
    if isinstance(node, list):
        return [_strip_locations(item) for item in node]
    return node


def _format(sql: str) -> str | None:
    # sqlglot logs a warning for each statement it cannot parse. The pglast
    # comparison already rejects those results, so the warnings are muted.
    sqlglot_log = logging.getLogger("sqlglot")
    level = sqlglot_log.level
    sqlglot_log.setLevel(logging.ERROR)
    try:
        formatted = sqlglot.transpile(
            sql, read="postgres", write="postgres", pretty=True
        )
    except sqlglot.errors.SqlglotError:
        return None
    finally:
        sqlglot_log.setLevel(level)
    return formatted[0] if len(formatted) == 1 else None


def _join(statements: list[tuple[str, str]]) -> str:
    blocks = []
    for name, sql in statements:
        heading = f"-- name: {name}\n" if name else ""
        blocks.append(f"{heading}{sql};\n")
    return "\n".join(blocks)
