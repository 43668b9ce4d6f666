"""Start and stop a private PostgreSQL server for tests and for ``mlspec db``.

The server keeps its data in one folder and listens only on a Unix socket in
a private folder beside it (``listen_addresses = ''``), so nothing else on the
network can reach it. PostgreSQL will not run as root, so when the current
user is root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` system user
through ``runuser`` and that user owns the data and socket folders.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from mlspec.errors import MlspecError

log = logging.getLogger(__name__)

SERVICE_USER = "postgres"
DATABASE = "postgres"
START_TIMEOUT_SECONDS = 60


class ServerError(MlspecError):
    """The embedded PostgreSQL server could not be set up, started or stopped."""


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server in ``data_dir`` that listens on a socket in ``socket_dir``."""

    data_dir: Path
    socket_dir: Path
    bin_dir: Path | None
    user: str
    durable: bool = True

    @property
    def dsn(self) -> str:
        """libpq keyword DSN that connects through the Unix socket."""
        return make_conninfo(host=str(self.socket_dir), dbname=DATABASE, user=self.user)


def find_bin_dir() -> Path | None:
    """Return the folder of the machine's ``initdb`` and ``pg_ctl``, newest version first."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=_version_key,
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        candidates.append(result.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))

    for candidate in candidates:
        folder = Path(candidate)
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def start(data_dir: Path | str, *, durable: bool = True) -> Server:
    """Initialise ``data_dir`` if it is empty, start the server if it is down, return it.

    ``durable=False`` turns off fsync and full-page writes: faster, but a
    machine crash can corrupt the data, so only throwaway test servers use it.

    The socket folder is ``<data_dir>-socket``, because ``initdb`` requires an
    empty data folder. Linux limits a socket path to 107 bytes, so a deep
    ``data_dir`` makes the server fail to start.
    """
    data_dir = Path(data_dir).resolve()
    socket_dir = data_dir.with_name(data_dir.name + "-socket")
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return _start_pgserver(data_dir)

    user = SERVICE_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    server = Server(
        data_dir=data_dir,
        socket_dir=socket_dir,
        bin_dir=bin_dir,
        user=user,
        durable=durable,
    )
    _prepare_folders(server)
    if not (data_dir / "PG_VERSION").is_file():
        _initdb(server)
    if not is_running(server):
        _pg_ctl(
            server,
            "start",
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-l",
            str(data_dir / "server.log"),
            "-o",
            _server_options(server),
        )
        log.info("started PostgreSQL in %s (socket %s)", data_dir, socket_dir)
    return server


def stop(data_dir: Path | str, *, mode: str = "fast") -> bool:
    """Stop the server in ``data_dir``; return whether one was running.

    ``mode`` is a ``pg_ctl stop`` shutdown mode. ``fast`` rolls back open
    transactions and shuts down cleanly. ``immediate`` kills the server
    processes as a crash would, and the next start runs crash recovery.
    """
    data_dir = Path(data_dir).resolve()
    bin_dir = find_bin_dir()
    if bin_dir is None or not (data_dir / "PG_VERSION").is_file():
        return False

    user = SERVICE_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    socket_dir = data_dir.with_name(data_dir.name + "-socket")
    server = Server(
        data_dir=data_dir, socket_dir=socket_dir, bin_dir=bin_dir, user=user
    )
    if not is_running(server):
        return False
    _pg_ctl(server, "stop", "-w", "-m", mode)
    log.info("stopped PostgreSQL in %s (%s shutdown)", data_dir, mode)
    return True


def is_running(server: Server) -> bool:
    """Return whether ``pg_ctl status`` finds a server for the data folder."""
    result = subprocess.run(
        _as_service_user(
            server,
            [_program(server, "pg_ctl"), "status", "-D", str(server.data_dir)],
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def _server_options(server: Server) -> str:
    # pg_ctl runs the server through the shell, so each value is shell-quoted.
    socket_dir = shlex.quote(f"unix_socket_directories={server.socket_dir}")
    options = f"-c listen_addresses='' -c {socket_dir}"
    if not server.durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    return options


def _prepare_folders(server: Server) -> None:
    for folder in (server.data_dir, server.socket_dir):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        if os.geteuid() == 0:
            shutil.chown(folder, user=SERVICE_USER, group=SERVICE_USER)
    if os.geteuid() == 0:
        _check_traversal(server.data_dir.parent)


def _check_traversal(folder: Path) -> None:
    """Raise unless the service user can reach ``folder``.

    The folders above the data folder must grant others search (execute)
    permission. mlspec does not change permissions outside its own folders,
    so the fix is left to the user.
    """
    for parent in [folder, *folder.parents]:
        if not parent.stat().st_mode & 0o001:
            raise ServerError(
                f"user {SERVICE_USER} cannot reach {folder}, because {parent} does not "
                f"grant others search permission; pass --data-dir with a folder it can "
                f"reach (for example under /var/tmp), or run mlspec as a non-root user"
            )


def _initdb(server: Server) -> None:
    command = [
        _program(server, "initdb"),
        "-D",
        str(server.data_dir),
        "-U",
        server.user,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    ]
    _run(server, command, "initdb")
    log.info("initialised a PostgreSQL data folder in %s", server.data_dir)


def _pg_ctl(server: Server, action: str, *options: str) -> None:
    command = [
        _program(server, "pg_ctl"),
        action,
        "-D",
        str(server.data_dir),
        *options,
    ]
    _run(server, command, f"pg_ctl {action}")


def _run(server: Server, command: list[str], program: str) -> None:
    result = subprocess.run(
        _as_service_user(server, command), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        log_file = server.data_dir / "server.log"
        raise ServerError(
            f"{program} failed for {server.data_dir} (exit {result.returncode}): {detail}; "
            f"see {log_file} when it exists"
        )


def _program(server: Server, name: str) -> str:
    if server.bin_dir is None:
        raise ServerError(f"{name} is not available for a server started by pgserver")
    return str(server.bin_dir / name)


def _as_service_user(server: Server, command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerError(
            "running as root needs runuser to start PostgreSQL as postgres"
        )
    return [runuser, "-u", SERVICE_USER, "--", *command]


def _start_pgserver(data_dir: Path) -> Server:
    """Start a server from the ``pgserver`` wheel when the machine has no binaries."""
    try:
        import pgserver  # type: ignore[import-not-found]
    except ImportError as error:
        raise ServerError(
            "no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin, "
            "pg_config --bindir or PATH; install PostgreSQL or the pgserver package"
        ) from error

    # NOTE: no test covers this path, because the test machines have PostgreSQL binaries.
    handle = pgserver.get_server(str(data_dir), cleanup_mode=None)
    socket_dir = Path(handle.get_uri().split("host=")[-1])
    return Server(
        data_dir=data_dir, socket_dir=socket_dir, bin_dir=None, user=SERVICE_USER
    )
