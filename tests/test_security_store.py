"""Security tests of the store: SQL injection through values, and DSN passwords.

Values that look like SQL must reach PostgreSQL as bound parameters and
come back unchanged. A DSN's password must not appear in command output,
log records or exception text, whether the server is missing, rejects the
password or accepts it.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from mlspec import store, validate
from mlspec.store.connection import StoreError
from mlspec.store.load import store_tables
from mlspec.store.server import start, stop
from mlspec.store.tables import quote

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "churn.yaml"

# Each value is valid in an id, key, name or tag, and would break a statement
# that pasted it into SQL text, a psycopg query string or a COPY line.
HOSTILE = [
    "'); DROP TABLE run_metadata; --",
    'it\'s "quoted"',
    "semi;colon -- comment /* open",
    "back\\slash\\ \\N \\. E'\\x00'",
    "%s %(name)s {} $1 $$dollar$$",
    "é" * 100,
    "😀" * 50,
]


def _id_fields(value: Any, found: set[str]) -> None:
    """Collect every string stored under a key that ends in ``_id`` or ``_ids``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_id") and isinstance(item, str):
                found.add(item)
            elif key.endswith("_ids") and isinstance(item, list):
                found.update(entry for entry in item if isinstance(entry, str))
            else:
                _id_fields(item, found)
    elif isinstance(value, list):
        for item in value:
            _id_fields(item, found)


def _replace_strings(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _replace_strings(item, mapping) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, mapping) for item in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


def _hostile_document(document: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Return a copy with hostile ids, run names, keys and tags, and the id mapping."""
    ids: set[str] = set()
    _id_fields(document, ids)
    mapping = {
        old: f"{HOSTILE[index % len(HOSTILE)]}#{index}"
        for index, old in enumerate(sorted(ids))
    }
    hostile = _replace_strings(copy.deepcopy(document), mapping)

    experiment = hostile["experiment_management"]["experiments"][0]
    experiment["experiment_name"] = HOSTILE[0]
    run = hostile["experiment_management"]["runs"][0]
    run["run_name"] = HOSTILE[1]
    run["parameters"] = {text: text for text in HOSTILE}
    run["tags"] = {text: text[::-1] for text in HOSTILE}
    run["metrics"] = {text: float(index) for index, text in enumerate(HOSTILE)}
    return hostile, mapping


@pytest.fixture
def hostile(example_document) -> tuple[dict[str, Any], dict[str, str]]:
    document, mapping = _hostile_document(example_document)
    report = validate(document)
    assert report.valid, [finding.format_text() for finding in report.errors]
    return document, mapping


def _table_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for table in store_tables():
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table.name))
        counts[table.name] = conn.execute(query).fetchone()[0]
    return counts


def test_hostile_values_round_trip(store_conn, example_document, hostile):
    document, mapping = hostile
    run_id = mapping["RUN-20240115103500"]
    experiment_id = mapping["EXP-20240115103000"]
    plain = store.load(store_conn, example_document)

    summary = store.load(store_conn, document)
    again = store.load(store_conn, document)

    assert again.inserted == 0
    assert again.updated == 0
    counts = _table_counts(store_conn)
    for table in store_tables():
        expected = (
            plain.tables[table.name].inserted + summary.tables[table.name].inserted
        )
        assert counts[table.name] == expected, table.name
    assert counts["run_metadata"] == 2
    parameters = dict(
        store_conn.execute(
            "SELECT parameter_name, parameter_value FROM run_parameters "
            "WHERE run_id = %s",
            (run_id,),
        ).fetchall()
    )
    tags = dict(
        store_conn.execute(
            "SELECT tag_key, tag_value FROM run_tags WHERE run_id = %s", (run_id,)
        ).fetchall()
    )
    metrics = dict(
        store_conn.execute(
            "SELECT metric_name, metric_value FROM run_metrics WHERE run_id = %s",
            (run_id,),
        ).fetchall()
    )
    names = store_conn.execute(
        "SELECT r.run_name, e.experiment_name FROM run_metadata r "
        "JOIN experiment_metadata e USING (experiment_id) WHERE r.run_id = %s",
        (run_id,),
    ).fetchone()
    stored_experiment = store_conn.execute(
        "SELECT experiment_id FROM run_metadata WHERE run_id = %s", (run_id,)
    ).fetchone()
    assert parameters == {text: text for text in HOSTILE}
    assert tags == {text: text[::-1] for text in HOSTILE}
    assert metrics == {text: float(index) for index, text in enumerate(HOSTILE)}
    assert names == (HOSTILE[1], HOSTILE[0])
    assert stored_experiment == (experiment_id,)


def test_hostile_ids_in_every_table(store_conn, hostile):
    document, mapping = hostile
    store.load(store_conn, document)

    stored_ids: set[str] = set()
    for table in store_tables():
        columns = [name for name in table.column_names if name.endswith("_id")]
        for column in columns:
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.Identifier(column), sql.Identifier(table.name)
            )
            stored_ids.update(row[0] for row in store_conn.execute(query) if row[0])

    assert set(mapping.values()) <= stored_ids
    assert not set(mapping) & stored_ids


def test_hostile_ids_in_reports(store_conn, hostile):
    document, mapping = hostile
    store.load(store_conn, document)
    run_id = mapping["RUN-20240115103500"]
    deployment_id = mapping["DEP-20240116090000"]

    compared = store.report(store_conn, "compare", run_ids=[run_id])
    health = store.report(
        store_conn,
        "health",
        deployment_id=deployment_id,
        window="1h",
        as_of="2024-01-16T10:00:00Z",
    )
    monitored = store.monitor(store_conn, deployment_id, "1h", "2024-01-16T10:00:00Z")

    assert [row["run_id"] for row in compared] == [run_id]
    assert compared[0]["parameters"] == {text: text for text in HOSTILE}
    assert health[0]["prediction_count"] == 3
    assert monitored.deployment_id == deployment_id
    assert monitored.prediction_count == 3


def test_hostile_document_through_cli(pg_dsn, hostile, tmp_path):
    document, mapping = hostile
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    run_id = mapping["RUN-20240115103500"]

    loaded = _run_cli("db", "--dsn", pg_dsn, "load", str(path))
    compared = _run_cli(
        "db", "--dsn", pg_dsn, "report", "compare", run_id, "--format", "json"
    )

    assert loaded.returncode == 0, loaded.stderr
    assert compared.returncode == 0, compared.stderr
    rows = json.loads(compared.stdout)
    assert rows[0]["run_id"] == run_id
    assert rows[0]["parameters"] == {text: text for text in HOSTILE}
    with psycopg.connect(pg_dsn) as conn:
        counts = _table_counts(conn)
    assert counts["run_metadata"] == 1
    assert counts["run_parameters"] == len(HOSTILE)


# --- Passwords in DSNs -------------------------------------------------------

PASSWORD = "pw-S3cret'; --\\x"


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.pop("MLSPEC_DSN", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run(
        [sys.executable, "-m", "mlspec", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def _password_forms(password: str) -> list[str]:
    """Return the password as written and as it appears escaped in URIs and DSNs."""
    from urllib.parse import quote

    return [password, quote(password, safe=""), password.replace("'", "\\'")]


def _assert_no_password(text: str, password: str = PASSWORD) -> None:
    for form in _password_forms(password):
        assert form not in text


def _keyword_dsn(host: str, user: str, password: str, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(
        host=host, user=user, password=password, dbname=dbname
    )


def _uri_dsn(host: str, user: str, password: str, dbname: str) -> str:
    from urllib.parse import quote

    return (
        f"postgresql://{user}:{quote(password, safe='')}@/{dbname}"
        f"?host={quote(host, safe='')}"
    )


@pytest.mark.parametrize("form", [_keyword_dsn, _uri_dsn])
def test_password_hidden_without_server(tmp_path, caplog, form):
    dsn = form(str(tmp_path / "no-server"), "u", PASSWORD, "x")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(StoreError) as caught:
        store.connect(dsn)
    result = _run_cli("-vv", "db", "--dsn", dsn, "load", str(EXAMPLE))

    _assert_no_password(str(caught.value))
    _assert_no_password(repr(caught.value))
    _assert_no_password(caplog.text)
    assert "********" in str(caught.value)
    assert result.returncode == 1
    assert "cannot connect to" in result.stderr
    _assert_no_password(result.stdout)
    _assert_no_password(result.stderr)


@pytest.fixture(scope="module")
def scram_server() -> Iterator[tuple[str, str]]:
    """A throwaway server whose role ``secret_user`` logs in with SCRAM-SHA-256.

    Returns the socket folder and the name of a database that the role owns.
    """
    folder = Path(tempfile.mkdtemp(prefix="mlspec-security-"))
    # The postgres user must be able to enter the folder when the tests run as root.
    folder.chmod(0o711)
    data_dir = folder / "data"
    started = start(data_dir, durable=False)
    try:
        _require_scram(started.dsn, data_dir)
        yield str(started.socket_dir), "secret_db"
    finally:
        stop(data_dir, mode="immediate")
        shutil.rmtree(folder, ignore_errors=True)


def _require_scram(admin_dsn: str, data_dir: Path) -> None:
    hba = data_dir / "pg_hba.conf"
    rule = "local all secret_user scram-sha-256\n"
    hba.write_text(rule + hba.read_text())
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute("SET password_encryption = 'scram-sha-256'")
        admin.execute(
            sql.SQL("CREATE ROLE secret_user LOGIN PASSWORD {}").format(
                sql.Literal(PASSWORD)
            )
        )
        admin.execute("CREATE DATABASE secret_db OWNER secret_user")
        admin.execute("SELECT pg_reload_conf()")


def test_wrong_password_hidden(scram_server, caplog):
    socket_dir, dbname = scram_server
    wrong = f"not-{PASSWORD}-{uuid.uuid4().hex}"
    dsn = _keyword_dsn(socket_dir, "secret_user", wrong, dbname)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(StoreError) as caught:
        store.connect(dsn)
    result = _run_cli("-vv", "db", "--dsn", dsn, "init")

    assert "password authentication failed" in str(caught.value)
    _assert_no_password(str(caught.value), wrong)
    _assert_no_password(caplog.text, wrong)
    assert result.returncode == 1
    assert "password authentication failed" in result.stderr
    _assert_no_password(result.stderr, wrong)
    _assert_no_password(result.stdout, wrong)


@pytest.mark.parametrize("form", [_keyword_dsn, _uri_dsn])
def test_right_password_hidden(scram_server, caplog, form):
    socket_dir, dbname = scram_server
    dsn = form(socket_dir, "secret_user", PASSWORD, dbname)
    caplog.set_level(logging.DEBUG)

    with store.connect(dsn) as conn:
        store.init(conn)
        store.load(conn, EXAMPLE)
        with pytest.raises(StoreError) as caught:
            store.load(conn, _orphan_run_document())
        rows = store.report(conn, "experiment-summary")
    loaded = _run_cli("-vv", "db", "--dsn", dsn, "load", str(EXAMPLE))
    reported = _run_cli("-vv", "db", "--dsn", dsn, "report", "deployments")

    assert rows[0]["run_count"] == 1
    assert "connected to" in caplog.text
    assert "DEBUG" in loaded.stderr
    assert "nothing was loaded" in str(caught.value)
    _assert_no_password(str(caught.value))
    _assert_no_password(caplog.text)
    assert loaded.returncode == 0, loaded.stderr
    assert reported.returncode == 0, reported.stderr
    for result in (loaded, reported):
        _assert_no_password(result.stdout)
        _assert_no_password(result.stderr)


def _orphan_run_document() -> dict[str, Any]:
    """A valid document whose run names an experiment the store does not have."""
    return {
        "spec_version": "1.0",
        "experiment_management": {
            "runs": [
                {
                    "run_id": "RUN-ORPHAN",
                    "experiment_id": "EXP-MISSING",
                    "run_name": "orphan",
                    "start_time": "2024-01-15T10:35:00Z",
                }
            ]
        },
    }


@pytest.mark.parametrize(
    "name", ['x"; DROP TABLE run_metadata; --', "Mixed Case", "select", "1st", "é"]
)
def test_quote_makes_hostile_name_one_identifier(pg_dsn, name):
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(f"CREATE TABLE {quote(name)} ({quote(name)} int)")
        conn.execute(f"INSERT INTO {quote(name)} VALUES (1)")
        tables = conn.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace"
        ).fetchall()
        columns = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0",
            (quote(name),),
        ).fetchall()

    assert tables == [(name,)]
    assert columns == [(name,)]
