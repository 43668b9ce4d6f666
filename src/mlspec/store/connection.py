"""Connections to the store, with passwords kept out of every message."""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

import psycopg
from psycopg import conninfo

from mlspec.errors import MlspecError
from mlspec.spec import load_spec

log = logging.getLogger(__name__)

MASK = "********"

# Seconds that connecting may take when neither the DSN nor PGCONNECT_TIMEOUT
# sets connect_timeout. Without a value, psycopg 3.3 waits 130 s for a host
# that accepts the TCP connection but never responds. psycopg raises values
# below 2 to 2, as libpq does.
CONNECT_TIMEOUT_SECONDS = 10


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
    """Open a connection, or raise ``StoreError`` naming the DSN with its password masked.

    The DSN's ``connect_timeout`` or ``PGCONNECT_TIMEOUT`` bounds the time
    connecting may take, and ``CONNECT_TIMEOUT_SECONDS`` when neither is set.
    """
    options = _timeout_option(dsn)
    try:
        connection = psycopg.connect(dsn, **options)
    except psycopg.Error as error:
        message = " ".join(scrub(str(error), dsn).split())
        masked_dsn = mask_dsn(dsn)
        if options:
            masked_dsn = mask_dsn(conninfo.make_conninfo(dsn, **options))
        raise StoreError(f"cannot connect to {masked_dsn}: {message}") from None
    log.debug("connected to %s", mask_dsn(dsn))
    return connection


def describe_error(error: psycopg.Error) -> str:
    """Describe a failed statement on one line: message, detail and table.

    Errors raised by libpq itself, such as a lost connection, have no
    server message, and their text spans several indented lines.
    """
    diag = error.diag
    parts = [diag.message_primary or str(error)]
    if diag.message_detail:
        parts.append(diag.message_detail)
    if diag.table_name:
        parts.append(f"table {diag.table_name}")
    return " ".join("; ".join(parts).split())


def _timeout_option(dsn: str) -> dict[str, Any]:
    if os.environ.get("PGCONNECT_TIMEOUT"):
        return {}
    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        # psycopg.connect raises the same error, which connect reports.
        return {}
    if "connect_timeout" in parts:
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}


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
