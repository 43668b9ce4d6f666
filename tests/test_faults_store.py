"""Store faults against a real PostgreSQL 15: a stopped server, timeouts, limits.

A failed command must print one line without a traceback, return instead of
hanging, and leave none of the rows of a failed load. Tests that stop the
server use a throwaway server of their own, so the session's server keeps
running.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from mlspec import store
from mlspec.store import connection, server
from mlspec.store.connection import StoreError

ROOT = Path(__file__).resolve().parents[1]
PAUSE_LOCK_KEY = 4242
# A command that returns within this many seconds did not hang.
RETURN_LIMIT_SECONDS = 20


def _load_synth() -> Any:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "bench" / "synth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


@pytest.fixture(scope="module")
def throwaway_data_dir() -> Iterator[Path]:
    """Data folder of a server that tests may stop; each test starts it again."""
    folder = Path(tempfile.mkdtemp(prefix="mlspec-faults-"))
    # The postgres user must be able to enter the folder when the tests run as root.
    folder.chmod(0o711)
    data_dir = folder / "data"
    server.start(data_dir, durable=False)
    try:
        yield data_dir
    finally:
        server.stop(data_dir, mode="immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def throwaway_dsn(throwaway_data_dir: Path) -> str:
    """DSN of a new database on the throwaway server, which is started if it is down."""
    started = server.start(throwaway_data_dir, durable=False)
    name = f"faults_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(started.dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(started.dsn, dbname=name)


def _run_cli(
    *args: str, timeout: float = RETURN_LIMIT_SECONDS
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlspec", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_cli_env(),
        check=False,
    )


def _cli_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.pop("MLSPEC_DSN", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _assert_one_line_error(
    result: subprocess.CompletedProcess, *fragments: str
) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mlspec: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def _row_counts(dsn: str) -> dict[str, int]:
    """Return the row count of every mlspec table that has rows."""
    from mlspec.store.load import store_tables

    counts = {}
    with psycopg.connect(dsn) as conn:
        for table in store_tables():
            query = sql.SQL("SELECT count(*) FROM {}").format(
                sql.Identifier(table.name)
            )
            count = conn.execute(query).fetchone()[0]
            if count:
                counts[table.name] = count
    return counts


def _public_tables(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return [row[0] for row in rows]


def _set_database(dsn: str, setting: str, value: str) -> None:
    """Set a parameter for every later session of the DSN's database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        name = conn.info.dbname
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
            )
        )


def _write_synth(folder: Path, runs: int, points: int) -> Path:
    path = folder / f"synth-{runs}-{points}.json"
    synth.write(path, runs=runs, params=5, points=points, tags=3, seed=7)
    return path


def _init(dsn: str) -> None:
    with store.connect(dsn) as conn:
        store.init(conn)


# --- The server stops in the middle of a load -------------------------------


def _pause_upserts_into(dsn: str, table: str) -> None:
    """Make every insert into ``table`` wait until the test releases its advisory lock.

    The loader upserts its tables parents first, so a load that waits here
    has already written the rows of the earlier tables in its transaction.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION pause_for_test() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_advisory_xact_lock_shared({PAUSE_LOCK_KEY}); "
            "RETURN NULL; END $$"
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER pause_for_test BEFORE INSERT ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION pause_for_test()"
            ).format(sql.Identifier(table))
        )


def _remove_pause(dsn: str, table: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP TRIGGER pause_for_test ON {}").format(sql.Identifier(table))
        )


def _hold_pause_lock(dsn: str) -> psycopg.Connection:
    gate = psycopg.connect(dsn, autocommit=True)
    gate.execute("SELECT pg_advisory_lock(%s)", (PAUSE_LOCK_KEY,))
    return gate


def _wait_for_paused_upsert(gate: psycopg.Connection, table: str) -> None:
    deadline = time.monotonic() + RETURN_LIMIT_SECONDS
    while time.monotonic() < deadline:
        row = gate.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory' "
            "AND pid <> pg_backend_pid() AND query LIKE %s",
            (f"%INSERT INTO {table}%",),
        ).fetchone()
        if row[0]:
            return
        time.sleep(0.02)
    raise AssertionError(f"no load reached the upsert into {table}")


def _written_bytes(gate: psycopg.Connection, table: str) -> int:
    """Return the size of the table's heap, which uncommitted inserts grow too."""
    return gate.execute("SELECT pg_relation_size(%s)", (table,)).fetchone()[0]


def _start_cli_load(dsn: str, document: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mlspec", "db", "--dsn", dsn, "load"]
        + ["--no-init", "--no-progress", str(document)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(),
    )


def test_immediate_stop_mid_load_cli(throwaway_data_dir, throwaway_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=300, points=20)
    _init(throwaway_dsn)
    _pause_upserts_into(throwaway_dsn, "run_tags")
    gate = _hold_pause_lock(throwaway_dsn)
    load = _start_cli_load(throwaway_dsn, document)
    try:
        _wait_for_paused_upsert(gate, "run_tags")
        written = _written_bytes(gate, "run_metrics")
        server.stop(throwaway_data_dir, mode="immediate")
        stdout, stderr = load.communicate(timeout=RETURN_LIMIT_SECONDS)
    finally:
        load.kill()
        gate.close()
    result = subprocess.CompletedProcess(load.args, load.returncode, stdout, stderr)

    assert written > 0
    _assert_one_line_error(
        result, str(document), "nothing was loaded", "server closed the connection"
    )
    assert stdout == ""
    server.start(throwaway_data_dir, durable=False)
    assert _row_counts(throwaway_dsn) == {}
    _remove_pause(throwaway_dsn, "run_tags")
    rerun = _run_cli(
        "db", "--dsn", throwaway_dsn, "load", "--no-progress", str(document)
    )
    assert rerun.returncode == 0, rerun.stderr
    counts = _row_counts(throwaway_dsn)
    assert counts["run_metadata"] == 300
    assert counts["run_metrics"] == 6000
    assert counts["run_tags"] == 900


def test_fast_stop_from_thread_mid_load(throwaway_data_dir, throwaway_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=300, points=20)
    _init(throwaway_dsn)
    _pause_upserts_into(throwaway_dsn, "run_tags")
    gate = _hold_pause_lock(throwaway_dsn)
    stopped: list[bool] = []

    written: list[int] = []

    def stop_when_paused() -> None:
        _wait_for_paused_upsert(gate, "run_tags")
        written.append(_written_bytes(gate, "run_metrics"))
        stopped.append(server.stop(throwaway_data_dir))

    stopper = threading.Thread(target=stop_when_paused, daemon=True)
    stopper.start()
    loader = store.connect(throwaway_dsn)
    try:
        with pytest.raises(StoreError) as caught:
            store.load(loader, document, progress=False)
    finally:
        stopper.join(timeout=RETURN_LIMIT_SECONDS)
        loader.close()
        gate.close()

    message = str(caught.value)
    assert written[0] > 0
    assert stopped == [True]
    assert "nothing was loaded" in message
    assert "terminating connection" in message
    assert "\n" not in message
    server.start(throwaway_data_dir, durable=False)
    assert _row_counts(throwaway_dsn) == {}
    _remove_pause(throwaway_dsn, "run_tags")
    with store.connect(throwaway_dsn) as rerun:
        summary = store.load(rerun, document, progress=False)
    assert summary.tables["run_metadata"].inserted == 300
    assert summary.tables["run_tags"].inserted == 900


# --- The load process is interrupted ----------------------------------------


def _wait_for_backends(dsn: str, expected: int) -> int:
    """Poll until the DSN's database has ``expected`` other server processes; return the count."""
    deadline = time.monotonic() + 5
    while True:
        with psycopg.connect(dsn) as conn:
            count = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def test_ctrl_c_cancels_load(pg_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=300, points=20)
    _init(pg_dsn)
    _pause_upserts_into(pg_dsn, "run_tags")
    gate = _hold_pause_lock(pg_dsn)
    load = _start_cli_load(pg_dsn, document)
    try:
        _wait_for_paused_upsert(gate, "run_tags")
        load.send_signal(signal.SIGINT)
        stdout, stderr = load.communicate(timeout=RETURN_LIMIT_SECONDS)
        # Only the gate's session is left: the load's session ended while
        # the test still held the lock that the load waited for.
        backends = _wait_for_backends(pg_dsn, 1)
    finally:
        load.kill()
        gate.close()

    assert load.returncode == 1
    assert stderr.strip() == "Aborted!"
    assert stdout == ""
    assert backends == 1
    assert _row_counts(pg_dsn) == {}


def test_killed_cli_load_writes_nothing(pg_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=300, points=20)
    _init(pg_dsn)
    _pause_upserts_into(pg_dsn, "run_tags")
    gate = _hold_pause_lock(pg_dsn)
    load = _start_cli_load(pg_dsn, document)
    try:
        _wait_for_paused_upsert(gate, "run_tags")
        load.kill()
        load.communicate(timeout=RETURN_LIMIT_SECONDS)
    finally:
        load.kill()
        gate.close()

    # The killed load's session stays until the gate closes, because with
    # client_connection_check_interval = 0 (the default) PostgreSQL notices
    # a lost client only when it next sends or reads a message.
    assert load.returncode == -signal.SIGKILL
    assert _wait_for_backends(pg_dsn, 0) == 0
    assert _row_counts(pg_dsn) == {}
    _remove_pause(pg_dsn, "run_tags")
    rerun = _run_cli("db", "--dsn", pg_dsn, "load", "--no-progress", str(document))
    assert rerun.returncode == 0, rerun.stderr
    assert _row_counts(pg_dsn)["run_tags"] == 900


# --- The server cannot be reached --------------------------------------------


def _closed_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections and never sends a byte."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_missing_socket_folder_fails_fast(tmp_path):
    dsn = f"host={tmp_path / 'no-server'} dbname=x user=u"
    started = time.monotonic()
    result = _run_cli("db", "--dsn", dsn, "init")
    elapsed = time.monotonic() - started

    _assert_one_line_error(result, "cannot connect to", str(tmp_path / "no-server"))
    assert elapsed < 5


def test_closed_tcp_port_fails_fast():
    port = _closed_port()
    started = time.monotonic()
    result = _run_cli("db", "--dsn", f"host=127.0.0.1 port={port} dbname=x", "init")
    elapsed = time.monotonic() - started

    _assert_one_line_error(result, "cannot connect to", f"port={port}")
    assert elapsed < 5


def test_silent_server_hits_dsn_timeout(silent_port):
    dsn = f"host=127.0.0.1 port={silent_port} dbname=x user=u connect_timeout=2"
    started = time.monotonic()
    result = _run_cli("db", "--dsn", dsn, "load", str(ROOT / "examples/churn.yaml"))
    elapsed = time.monotonic() - started

    _assert_one_line_error(result, "cannot connect to", "timeout")
    assert elapsed >= 2
    assert elapsed < 8


def test_silent_server_default_timeout(silent_port, monkeypatch):
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    monkeypatch.setattr(connection, "CONNECT_TIMEOUT_SECONDS", 2)
    dsn = f"host=127.0.0.1 port={silent_port} dbname=x user=u"
    outcome = _call_with_deadline(lambda: store.connect(dsn))

    assert isinstance(outcome, StoreError)
    assert "connect_timeout=2" in str(outcome)
    assert "timeout expired" in str(outcome)


def _call_with_deadline(function: Callable[[], Any]) -> Any:
    """Call ``function`` in a thread; return its result or exception, or fail on a hang."""
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append(function())
        except Exception as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=call, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(timeout=RETURN_LIMIT_SECONDS)
    assert not worker.is_alive(), f"still running after {RETURN_LIMIT_SECONDS} s"
    assert time.monotonic() - started < 8
    return outcome[0]


def test_default_timeout_keeps_dsn_value(monkeypatch):
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)

    assert connection._timeout_option("dbname=x") == {"connect_timeout": 10}
    assert connection._timeout_option("dbname=x connect_timeout=0") == {}
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    assert connection._timeout_option("dbname=x") == {}


# --- Limits set in the database ----------------------------------------------


def test_statement_timeout_writes_nothing(pg_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=1000, points=40)
    _init(pg_dsn)
    _set_database(pg_dsn, "statement_timeout", "50ms")

    result = _run_cli("db", "--dsn", pg_dsn, "load", "--no-progress", str(document))

    _assert_one_line_error(
        result, str(document), "nothing was loaded", "statement timeout"
    )
    assert result.stdout == ""
    assert _row_counts(pg_dsn) == {}


def test_read_only_database_init_fails(pg_dsn):
    _set_database(pg_dsn, "default_transaction_read_only", "on")

    result = _run_cli("db", "--dsn", pg_dsn, "init")

    _assert_one_line_error(result, "creating the tables failed", "read-only")
    assert _public_tables(pg_dsn) == []


def test_read_only_database_load_fails(pg_dsn):
    _init(pg_dsn)
    _set_database(pg_dsn, "default_transaction_read_only", "on")
    example = str(ROOT / "examples" / "churn.yaml")

    with_init = _run_cli("db", "--dsn", pg_dsn, "load", example)
    without_init = _run_cli("db", "--dsn", pg_dsn, "load", "--no-init", example)

    _assert_one_line_error(with_init, "creating the tables failed", "read-only")
    _assert_one_line_error(without_init, example, "nothing was loaded", "read-only")
    assert _row_counts(pg_dsn) == {}


def test_read_only_database_monitor_fails(pg_dsn):
    _init(pg_dsn)
    example = str(ROOT / "examples" / "churn.yaml")
    loaded = _run_cli("db", "--dsn", pg_dsn, "load", example)
    before = _row_counts(pg_dsn)
    _set_database(pg_dsn, "default_transaction_read_only", "on")

    monitored = _run_cli("db", "--dsn", pg_dsn, "monitor", "DEP-20240116090000")
    reported = _run_cli("db", "--dsn", pg_dsn, "report", "deployments")

    assert loaded.returncode == 0, loaded.stderr
    _assert_one_line_error(monitored, "monitor_insert failed", "read-only")
    assert reported.returncode == 0, reported.stderr
    assert "DEP-20240116090000" in reported.stdout
    assert _row_counts(pg_dsn) == before


def test_temp_file_limit_writes_nothing(pg_dsn, tmp_path):
    # Simulates a full disk: the upsert's sort spills to a temporary file,
    # and PostgreSQL stops the statement when that file passes the limit.
    document = _write_synth(tmp_path, runs=500, points=40)
    _init(pg_dsn)
    _set_database(pg_dsn, "work_mem", "64kB")
    _set_database(pg_dsn, "temp_file_limit", "64kB")

    result = _run_cli("db", "--dsn", pg_dsn, "load", "--no-progress", str(document))

    _assert_one_line_error(result, "nothing was loaded", "temp_file_limit")
    assert _row_counts(pg_dsn) == {}


# --- A full disk -------------------------------------------------------------


@pytest.fixture
def small_tablespace_dsn(pg_server_dsn: str) -> Iterator[str]:
    """DSN of a new database whose tables and temporary tables live on a 2 MB tmpfs."""
    if os.environ.get("MLSPEC_TEST_DSN"):
        pytest.skip("a tablespace needs a folder on the server's machine")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for a full-disk tablespace needs root")
    folder = Path(tempfile.mkdtemp(prefix="mlspec-full-disk-"))
    # The postgres user must be able to enter the folder when the tests run as root.
    folder.chmod(0o711)
    mount_point = folder / "tablespace"
    mount_point.mkdir()
    _mount_small_tmpfs(mount_point, folder)
    name = f"faults_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                    sql.Identifier(name), sql.Literal(str(mount_point))
                )
            )
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        dsn = psycopg.conninfo.make_conninfo(pg_server_dsn, dbname=name)
        _set_database(dsn, "default_tablespace", name)
        _set_database(dsn, "temp_tablespaces", name)
        yield dsn
    finally:
        with psycopg.connect(pg_server_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )
            admin.execute(
                sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(name))
            )
        subprocess.run(["umount", str(mount_point)], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _mount_small_tmpfs(mount_point: Path, folder: Path) -> None:
    postgres = pwd.getpwnam(server.SERVICE_USER)
    options = f"size=2m,mode=0700,uid={postgres.pw_uid},gid={postgres.pw_gid}"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.strip()}")


def test_full_tablespace_writes_nothing(small_tablespace_dsn, tmp_path):
    document = _write_synth(tmp_path, runs=300, points=20)
    _init(small_tablespace_dsn)

    result = _run_cli(
        "db", "--dsn", small_tablespace_dsn, "load", "--no-progress", str(document)
    )

    _assert_one_line_error(
        result, str(document), "nothing was loaded", "No space left on device"
    )
    assert _row_counts(small_tablespace_dsn) == {}
    example = _run_cli(
        "db", "--dsn", small_tablespace_dsn, "load", str(ROOT / "examples/churn.yaml")
    )
    assert example.returncode == 0, example.stderr
    assert _row_counts(small_tablespace_dsn)["run_metrics"] == 3
