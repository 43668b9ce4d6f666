"""Fixtures shared by the whole test suite: one PostgreSQL server per run.

The session starts a private server in a temporary folder (see
``mlspec.store.server``) and stops it at the end. Each test that uses
``pg_dsn`` gets a fresh, empty database that is dropped afterwards. With
``MLSPEC_TEST_DSN`` set, that server is used instead and nothing is started.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from mlspec import read_document
from mlspec.store import server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# mlspec check caches hashes of generated files; tests keep that cache out of
# the home folder.
if "MLSPEC_CACHE_DIR" not in os.environ:
    os.environ["MLSPEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlspec-cache-")
    atexit.register(shutil.rmtree, os.environ["MLSPEC_CACHE_DIR"], True)


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """DSN of the maintenance database of the session's PostgreSQL server.

    The data folder is a private temporary folder rather than pytest's
    ``tmp_path_factory``, because pytest deletes old numbered folders under
    its shared base folder, which another pytest run may do while this
    server still uses them.
    """
    external = os.environ.get("MLSPEC_TEST_DSN")
    if external:
        yield external
        return

    folder = Path(tempfile.mkdtemp(prefix="mlspec-pg-"))
    # mkdtemp makes the folder private; the postgres user must be able to enter it.
    folder.chmod(0o711)
    data_dir = folder / "data"
    started = server.start(data_dir, durable=False)
    try:
        yield started.dsn
    finally:
        server.stop(data_dir)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_dsn(pg_server_dsn: str) -> Iterator[str]:
    """DSN of a new empty database, created from template0 and dropped after the test."""
    name = f"mlspec_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(
                sql.Identifier(name)
            )
        )

    yield psycopg.conninfo.make_conninfo(pg_server_dsn, dbname=name)

    with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


@pytest.fixture
def example_document() -> dict[str, Any]:
    """The churn example in mlspec's in-memory form (a fresh copy per test)."""
    return read_document(EXAMPLES / "churn.yaml")


@pytest.fixture
def store_conn(pg_dsn: str) -> Iterator[psycopg.Connection]:
    """A connection to a fresh database whose mlspec tables exist."""
    from mlspec import store

    with store.connect(pg_dsn) as conn:
        store.init(conn)
        yield conn


@pytest.fixture
def table_snapshot() -> Callable[..., dict[str, list[tuple[Any, ...]]]]:
    """Return a function that reads every mlspec table as sorted rows of text.

    Columns named in ``exclude`` are left out, such as ``updated_at``, which
    a load sets to the current time when the document has none.
    """
    from mlspec.store.load import store_tables

    def snapshot(
        conn: psycopg.Connection, exclude: tuple[str, ...] = ()
    ) -> dict[str, list[tuple[Any, ...]]]:
        tables = {}
        for table in store_tables():
            columns = [name for name in table.column_names if name not in exclude]
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(sql.Identifier(name) for name in columns),
                sql.Identifier(table.name),
            )
            rows = conn.execute(query).fetchall()
            tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
        conn.rollback()
        return tables

    return snapshot
