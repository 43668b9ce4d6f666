"""Tests of the embedded PostgreSQL server: start, reuse and stop in an awkward folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg

from mlspec.store import server


def test_server_in_folder_with_quote_and_space():
    folder = Path(tempfile.mkdtemp(prefix="mlspec-server-"))
    data_dir = folder / "it's here" / "data"
    try:
        started = server.start(data_dir)
        again = server.start(data_dir)
        with psycopg.connect(started.dsn) as conn:
            socket_dirs = conn.execute("SHOW unix_socket_directories").fetchone()[0]
            listen = conn.execute("SHOW listen_addresses").fetchone()[0]
        stopped = server.stop(data_dir)
        stopped_again = server.stop(data_dir)
    finally:
        server.stop(data_dir)
        shutil.rmtree(folder, ignore_errors=True)

    assert again == started
    assert socket_dirs == str(started.socket_dir)
    assert listen == ""
    assert stopped is True
    assert stopped_again is False
