"""Store mlspec documents in PostgreSQL and report on them.

``connect`` opens a connection, ``init`` creates the tables (safe to run
again), ``load`` validates and stores a document in one transaction,
``report`` runs a named report and ``monitor`` computes a deployment's
health and stores it as monitoring metrics.
"""

from __future__ import annotations

import logging

import psycopg

from mlspec.store.connection import (
    CONNECT_TIMEOUT_SECONDS,
    StoreError,
    connect,
    describe_error,
    mask_dsn,
    schema_script,
)
from mlspec.store.load import (
    DocumentRejected,
    ImmutableValueConflict,
    LoadSummary,
    TableCounts,
    load,
)
from mlspec.store.reports import REPORTS, MonitorResult, monitor, report

log = logging.getLogger(__name__)

# Key of the advisory lock that serialises concurrent ``init`` calls: the
# first 8 bytes of sha256("mlspec.store.init") as a signed 64-bit integer.
INIT_LOCK_KEY = 81013930655732087


def init(conn: psycopg.Connection) -> None:
    """Create every table, index and comment that does not exist yet, in one transaction."""
    # TODO: add migrations; a table created from an older spec keeps its old columns.
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INIT_LOCK_KEY,))
            conn.execute(schema_script())
    except psycopg.Error as error:
        message = describe_error(error)
        raise StoreError(f"creating the tables failed: {message}") from None
    log.info("created the missing mlspec tables, indexes and comments")


__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "REPORTS",
    "DocumentRejected",
    "ImmutableValueConflict",
    "LoadSummary",
    "MonitorResult",
    "StoreError",
    "TableCounts",
    "connect",
    "init",
    "load",
    "mask_dsn",
    "monitor",
    "report",
]
