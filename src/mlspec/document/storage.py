"""Encoding documents and replacing files atomically."""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mlspec.errors import UsageError

_WRITE_CHUNK_BYTES = 1 << 20


def serialize(data: Mapping[str, Any], output_format: str) -> bytes:
    """Encode a canonical document as UTF-8 JSON (2-space indent) or block-style YAML."""
    if output_format == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    elif output_format == "yaml":
        # libyaml's emitter was twice as fast as PyYAML's on a 2 MB document and
        # wrote the same text. NOTE: other documents may differ in layout.
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(
            dict(data), Dumper=dumper, sort_keys=False, allow_unicode=True, width=88
        )
    else:
        raise UsageError(f"unknown output format {output_format!r}; use json or yaml")
    return text.encode("utf-8")


def write_atomically(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that readers see the old file or the new one.

    The bytes go to a temporary file in the same folder, because ``os.replace``
    is atomic only within one file system. The file is fsynced before the
    rename and the folder after it, so a crash or power loss at any point
    leaves either the old or the new content under ``path``. A crash can
    leave the temporary ``.<name>.<hex>.tmp`` file behind.
    """
    folder = path.parent
    temp_path, descriptor = _create_temp_file(folder, path.name)
    try:
        try:
            _write_all(descriptor, payload)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _copy_mode(path, temp_path)
        os.replace(temp_path, path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise

    _fsync_folder(folder)


def _create_temp_file(folder: Path, name: str) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp_path = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            # Mode 0o666 lets the umask decide, as for any new file.
            return temp_path, os.open(temp_path, flags, 0o666)
        except FileExistsError:
            continue


def _write_all(descriptor: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(descriptor, view[:_WRITE_CHUNK_BYTES])
        view = view[written:]


def _copy_mode(source: Path, target: Path) -> None:
    """Give the new file the permissions of the file it replaces, if there is one."""
    try:
        mode = stat.S_IMODE(source.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(target, mode)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
