"""Tests of the embedded PostgreSQL server: start, reuse and stop in an awkward folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from mlspec.store import server


def test_server_in_folder_with_quote_and_space():
    folder = Path(tempfile.mkdtemp(prefix="mlspec-server-"))
    folder.chmod(0o711)
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


@pytest.mark.skipif(
    os.geteuid() != 0, reason="only root hands the server to the postgres user"
)
def test_unreachable_folder_is_an_error_not_a_chmod():
    folder = Path(tempfile.mkdtemp(prefix="mlspec-server-"))
    try:
        with pytest.raises(server.ServerError, match="search permission"):
            server.start(folder / "data")
        mode = folder.stat().st_mode & 0o777
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    assert mode == 0o700
