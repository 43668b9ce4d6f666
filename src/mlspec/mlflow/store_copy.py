"""Read-only access to MLflow stores through scratch copies.

MLflow 3.x refuses a FileStore (an ``mlruns/`` folder) unless
``MLFLOW_ALLOW_FILE_STORE=true``, creates ``.trash/`` and ``models/`` in any
FileStore it opens, and raises "Run not found" for run folders that lack
``metrics/``, ``params/`` or ``artifacts/`` (stores kept in git lose their
empty folders). So the importer never opens the source. It copies the
store to a temporary folder, creates the missing empty folders in the copy
and reads the copy. A SQLite database is read from a copy as well.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from mlspec.errors import InputError

log = logging.getLogger(__name__)

RUN_FOLDERS = ("artifacts", "metrics", "params", "tags")
# URI schemes of MLflow's database stores; anything else is read as a folder.
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")


@dataclass
class StoreCopy:
    """A tracking store opened for reading.

    For a FileStore, ``source_root`` is the original ``mlruns/`` folder and
    ``created_folders`` maps a run or logged-model id to the empty folders
    created for it in the copy. Both are None or empty for a database store.
    """

    tracking_uri: str
    source_root: Path | None = None
    created_folders: dict[str, list[str]] = field(default_factory=dict)

    def run_artifact_dir(
        self, experiment_id: str, run_id: str, deleted: bool
    ) -> Path | None:
        """Return the artifacts folder of a FileStore run in the source (read only).

        The copy leaves out artifact files (see ``_skip_artifact_files``), so
        artifacts are listed and read in the source.
        """
        if self.source_root is None:
            return None
        base = self.source_root / ".trash" if deleted else self.source_root
        folder = base / experiment_id / run_id / "artifacts"
        if not folder.is_dir():
            folder = self.source_root / experiment_id / run_id / "artifacts"
        return folder


def is_database_uri(source: str) -> bool:
    """Return whether ``source`` is a database tracking URI rather than a folder."""
    return urlparse(source).scheme in DATABASE_SCHEMES or "+" in urlparse(source).scheme


def local_folder(source: str) -> Path:
    """Return the ``mlruns/`` folder that a path or ``file:`` URI names.

    A folder that contains ``mlruns/`` is accepted as well, as
    ``mlflow migrate-filestore --source`` accepts it.
    """
    parsed = urlparse(source)
    path = Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(source)
    if not path.is_dir():
        raise InputError(f"{source}: not a folder and not a database tracking URI")
    if path.name != "mlruns" and (path / "mlruns").is_dir():
        path = path / "mlruns"
    if not any(path.glob("*/meta.yaml")):
        raise InputError(
            f"{source}: no MLflow file store here: expected experiment folders "
            "with a meta.yaml, such as mlruns/0/meta.yaml"
        )
    return path


@contextlib.contextmanager
def open_store(source: str) -> Iterator[StoreCopy]:
    """Yield a ``StoreCopy`` to read ``source`` from without writing into it."""
    if urlparse(source).scheme == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mlspec-sqlite-") as scratch:
            yield StoreCopy(tracking_uri=_copy_sqlite(source, Path(scratch)))
        return
    if is_database_uri(source):
        # NOTE: a database server is read in place, and MLflow creates its
        # tables in a database that has none.
        yield StoreCopy(tracking_uri=source)
        return

    folder = local_folder(source)
    with tempfile.TemporaryDirectory(prefix="mlspec-mlruns-") as scratch:
        copy = Path(scratch) / "mlruns"
        shutil.copytree(folder, copy, symlinks=True, ignore=_skip_artifact_files)
        created = _create_missing_folders(copy)
        log.info("reading a scratch copy of %s at %s", folder, copy)
        with _file_store_allowed():
            yield StoreCopy(copy.as_uri(), folder, created)


def _skip_artifact_files(directory: str, names: list[str]) -> list[str]:
    """Leave out the contents of run and logged-model ``artifacts/`` folders.

    MLflow's tracking client only needs the folder to exist, and artifact
    files (model weights, data sets) can be far larger than the metadata.
    """
    folder = Path(directory)
    if folder.name == "artifacts" and (folder.parent / "meta.yaml").is_file():
        return names
    return []


def _copy_sqlite(source: str, scratch: Path) -> str:
    """Copy a SQLite database and its WAL files to ``scratch``; return the copy's URI.

    MLflow creates a database that does not exist and may write to one it
    opens, so the importer reads a copy.
    """
    # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy reads them.
    database = Path(unquote(source.removeprefix("sqlite:///").split("?", 1)[0]))
    if not database.is_file():
        raise InputError(f"{source}: the SQLite database {database} does not exist")
    copy = scratch / database.name
    for suffix in ("", "-wal", "-shm"):
        original = database.with_name(database.name + suffix)
        if original.is_file():
            shutil.copyfile(original, copy.with_name(copy.name + suffix))
    log.info("reading a scratch copy of %s at %s", database, copy)
    return f"sqlite:///{copy}"


def _create_missing_folders(root: Path) -> dict[str, list[str]]:
    """Create the empty folders MLflow needs in every run and logged-model folder."""
    created: dict[str, list[str]] = {}
    for meta in root.glob("**/meta.yaml"):
        folder = meta.parent
        if not _is_run_like(folder, root):
            continue
        missing = [name for name in RUN_FOLDERS if not (folder / name).is_dir()]
        for name in missing:
            (folder / name).mkdir()
        if missing:
            created[folder.name] = missing
    return created


def _is_run_like(folder: Path, root: Path) -> bool:
    """Return whether ``folder`` is a run or an MLflow 3 logged model folder.

    Runs sit at ``<experiment>/<run>/``, logged models at
    ``<experiment>/models/<model>/``, both possibly under ``.trash/``.
    Registry folders under ``models/`` at the top are skipped.
    """
    parts = folder.relative_to(root).parts
    if parts and parts[0] == ".trash":
        parts = parts[1:]
    if not parts or parts[0] == "models":
        return False
    return len(parts) == 2 or (len(parts) == 3 and parts[1] == "models")


@contextlib.contextmanager
def _file_store_allowed() -> Iterator[None]:
    """Set ``MLFLOW_ALLOW_FILE_STORE=true`` for the duration of the read."""
    name = "MLFLOW_ALLOW_FILE_STORE"
    previous = os.environ.get(name)
    os.environ[name] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous
