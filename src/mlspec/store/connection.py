"""Connections to the store, with passwords kept out of every message."""

from __future__ import annotations

import logging
from functools import cache

import psycopg
from psycopg import conninfo

from mlspec.errors import MlspecError
from mlspec.spec import load_spec

log = logging.getLogger(__name__)

MASK = "********"


class StoreError(MlspecError):
    """A store operation failed: no connection, a rejected document or a failed statement."""


def mask_dsn(dsn: str) -> str:
    """Return the DSN with its password replaced by asterisks."""
    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparseable DSN>"
    if parts.get("password"):
        parts["password"] = MASK
    return conninfo.make_conninfo("", **parts)


def scrub(text: str, dsn: str) -> str:
    """Remove the DSN's password from a message, wherever the driver quoted it."""
    try:
        password = conninfo.conninfo_to_dict(dsn).get("password")
    except psycopg.ProgrammingError:
        # libpq quotes the unparsed text in its message, password included.
        return "the DSN is not a valid libpq connection string or URI"
    return text.replace(str(password), MASK) if password else text


def connect(dsn: str) -> psycopg.Connection:
    """Open a connection; the error names the DSN with its password masked."""
    try:
        connection = psycopg.connect(dsn)
    except psycopg.Error as error:
        message = " ".join(scrub(str(error), dsn).split())
        raise StoreError(f"cannot connect to {mask_dsn(dsn)}: {message}") from None
    log.debug("connected to %s", mask_dsn(dsn))
    return connection


@cache
def generated_sql() -> dict[str, str]:
    """Render the bundled spec's SQL once per process."""
    # Imported here because mlspec.generate.sql imports mlspec.store.tables.
    from mlspec.generate.sql import generate_sql

    def ignore(location: str, message: str) -> None:
        log.debug("%s: %s", location, message)

    return generate_sql(load_spec(), ignore)


def schema_script() -> str:
    from mlspec.generate.sql import SCHEMA_FILE

    return generated_sql()[SCHEMA_FILE]


@cache
def statements() -> dict[str, str]:
    """Return every named statement of upserts.sql and reports.sql, parsed once."""
    from mlspec.generate.sql import REPORTS_FILE, UPSERTS_FILE, named_statements

    outputs = generated_sql()
    return {
        **named_statements(outputs[UPSERTS_FILE]),
        **named_statements(outputs[REPORTS_FILE]),
    }
