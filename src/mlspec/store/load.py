"""Load a validated document into PostgreSQL in one transaction.

Rows are copied into temporary staging tables with COPY, then one generated
upsert per table moves them into the real tables, parents first. A failure
at any point rolls the whole transaction back, so the store keeps either all
of a document or none of it. Loads take a transaction-level advisory lock
before they touch the real tables, so concurrent loads of overlapping
documents run their upserts one after another and cannot deadlock.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import Progress

from mlspec.findings import Finding
from mlspec.reader import iter_records, read_document
from mlspec.spec import load_spec
from mlspec.store.connection import StoreError, describe_error, statements
from mlspec.store.rows import Row, RowBuilder
from mlspec.store.tables import Table, build_tables, quote
from mlspec.validator import validate

log = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
BATCH_ROWS = 20_000
PROGRESS_MIN_ENTITIES = 1_000


class DocumentRejected(StoreError):
    """The document is invalid; ``findings`` lists why. Nothing was written."""

    def __init__(self, name: str, findings: list[Finding]) -> None:
        self.findings = findings
        first = findings[0].format_text()
        more = f" (and {len(findings) - 1} more errors)" if len(findings) > 1 else ""
        super().__init__(f"{name} is invalid, nothing was loaded: {first}{more}")


class ImmutableValueConflict(StoreError):
    """A load would change a value that may not change, such as a stored parameter."""

    def __init__(self, table: str, conflicts: list[dict[str, Any]]) -> None:
        self.table = table
        self.conflicts = conflicts
        lines = [_describe_conflict(table, conflict) for conflict in conflicts]
        super().__init__("; ".join(lines) + "; nothing was loaded")


@dataclass
class TableCounts:
    """Rows of one table that a load inserted, updated or found unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadSummary:
    """Row counts of one load, per table, in foreign-key order."""

    source: str
    entities: int = 0
    tables: dict[str, TableCounts] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        return sum(counts.inserted for counts in self.tables.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.tables.values())


@cache
def store_tables() -> list[Table]:
    """Build the tables of the bundled spec once per process."""
    return build_tables(load_spec(), lambda location, message: None)


def load(
    conn: psycopg.Connection,
    source: str | Path | dict[str, Any],
    *,
    name: str | None = None,
    progress: bool | None = None,
    batch_rows: int = BATCH_ROWS,
    already_validated: bool = False,
) -> LoadSummary:
    """Validate a document, a file or a JSON Lines file, then store it in one transaction.

    Raises ``DocumentRejected`` with the findings when the document is
    invalid, ``ImmutableValueConflict`` when it changes a stored parameter,
    and ``StoreError`` when PostgreSQL rejects a statement. In each case the
    database is left as it was. ``progress`` shows a progress bar (default:
    when standard error is a terminal). ``already_validated`` skips
    validation for a source the caller has just validated with
    ``mlspec.validate``; PostgreSQL's constraints still apply.
    """
    display = name or (str(source) if not isinstance(source, dict) else "<document>")
    if not already_validated:
        _validate(source, display)
    entities = _entities(source)
    show = sys.stderr.isatty() if progress is None else progress
    summary = LoadSummary(source=display)

    try:
        with conn.transaction():
            _stage_and_upsert(conn, entities, show, batch_rows, summary)
    except psycopg.Error as error:
        raise StoreError(
            f"loading {display} failed, nothing was loaded: {describe_error(error)}"
        ) from None

    log.info(
        "loaded %s: %d entities, %d rows inserted, %d updated",
        display,
        summary.entities,
        summary.inserted,
        summary.updated,
    )
    return summary


def _validate(source: str | Path | dict[str, Any], display: str) -> None:
    report = validate(source, name=display)
    if not report.valid:
        raise DocumentRejected(display, report.errors)


def _entities(
    source: str | Path | dict[str, Any],
) -> Iterable[tuple[str, dict[str, Any]]]:
    """Return the source's entities: a list for a document, a stream for JSON Lines."""
    if isinstance(source, dict):
        return list(_document_entities(source))
    if Path(source).suffix.lower() in JSONL_SUFFIXES:
        return ((kind, entity) for kind, entity, _ in iter_records(source))
    return list(_document_entities(read_document(source)))


def _document_entities(
    document: dict[str, Any],
) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in load_spec().entities:
        for entity in (document.get(kind.section) or {}).get(kind.list_name) or []:
            yield kind.kind, entity


def _stage_and_upsert(
    conn: psycopg.Connection,
    entities: Iterable[tuple[str, dict[str, Any]]],
    show_progress: bool,
    batch_rows: int,
    summary: LoadSummary,
) -> None:
    tables = store_tables()
    sql = statements()
    conn.execute("SET LOCAL TimeZone = 'UTC'")
    for table in tables:
        conn.execute(sql[f"stage_{table.name}"])
        conn.execute(f"TRUNCATE {quote(table.stage_name)}")

    stager = _Stager(conn, batch_rows)
    builder = RowBuilder(tables)
    count = len(entities) if isinstance(entities, list) else None
    if count is not None and count < PROGRESS_MIN_ENTITIES:
        show_progress = False
    bar = (
        Progress(console=Console(stderr=True), transient=True)
        if show_progress
        else nullcontext()
    )
    with bar as progress_bar:
        task = progress_bar.add_task("loading", total=count) if progress_bar else None
        for kind, entity in entities:
            for table, row in builder.rows(kind, entity):
                stager.add(table, row)
            summary.entities += 1
            if progress_bar and task is not None and summary.entities % 100 == 0:
                progress_bar.update(task, completed=summary.entities)
        stager.flush_all()

    conn.execute(sql["lock_load"])
    _check_immutable(conn, tables)
    for table in tables:
        counts = conn.execute(sql[f"upsert_{table.name}"]).fetchone()
        assert counts is not None, "the upsert statement always returns one row"
        inserted, updated, staged = counts
        summary.tables[table.name] = TableCounts(
            inserted, updated, staged - inserted - updated
        )


class _Stager:
    """Buffer rows per table and COPY them into the staging tables in batches."""

    def __init__(self, conn: psycopg.Connection, batch_rows: int) -> None:
        self.conn = conn
        self.batch_rows = batch_rows
        self.buffers: dict[str, tuple[Table, list[Row]]] = {}

    def add(self, table: Table, row: Row) -> None:
        _, rows = self.buffers.setdefault(table.name, (table, []))
        rows.append(row)
        if len(rows) >= self.batch_rows:
            self.flush(table.name)

    def flush(self, name: str) -> None:
        table, rows = self.buffers[name]
        if not rows:
            return
        with (
            self.conn.cursor() as cursor,
            cursor.copy(statements()[f"copy_{name}"]) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        log.debug("staged %d rows for %s", len(rows), name)
        rows.clear()

    def flush_all(self) -> None:
        for name in list(self.buffers):
            self.flush(name)


def _check_immutable(conn: psycopg.Connection, tables: list[Table]) -> None:
    sql = statements()
    for table in tables:
        for column in table.immutable:
            cursor = conn.execute(sql[f"conflicts_{table.name}_{column}"])
            names = [description.name for description in cursor.description or []]
            conflicts = [
                dict(zip(names, row, strict=True)) for row in cursor.fetchall()
            ]
            if conflicts:
                raise ImmutableValueConflict(table.name, conflicts)


def _describe_conflict(table: str, conflict: dict[str, Any]) -> str:
    stored, new = conflict.pop("stored_value"), conflict.pop("new_value")
    key = ", ".join(f"{column} {value!r}" for column, value in conflict.items())
    conflict.update(stored_value=stored, new_value=new)
    return f"{table}: {key} is stored as {stored!r}, the document has {new!r}, and it may not change"
