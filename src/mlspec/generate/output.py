"""Write generated files to the output folder and compare the folder with them.

Only files that start with the generated-file header belong to the
generators: ``write`` removes such a file once no generator produces it any
more, and ``compare`` reports it as orphaned. Other files in the folder, such as
a README or ``__pycache__``, are left alone.
"""

from __future__ import annotations

import difflib
import logging
import os
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mlspec.generate.framework import GenerationError, is_generated, safe_relative_path

log = logging.getLogger(__name__)


@dataclass
class WriteResult:
    """Paths, relative to the output folder, that ``write`` changed."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    """Differences between the output folder and freshly generated files."""

    out_dir: Path
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    diff: str = ""

    @property
    def in_sync(self) -> bool:
        return not (self.stale or self.missing or self.orphaned)


def write(out_dir: Path, files: Mapping[str, bytes]) -> WriteResult:
    """Write ``files`` under ``out_dir`` and remove generated files no longer produced.

    A file whose bytes are already right is not rewritten, so its mtime stays.
    Each file is written to a temporary file beside it and renamed into place.
    """
    result = WriteResult()
    for relative, content in sorted(files.items()):
        target = resolve_inside(out_dir, relative)
        if target.is_file() and target.read_bytes() == content:
            result.unchanged.append(relative)
            continue
        _write_atomically(target, content)
        log.info("wrote %s", target)
        result.written.append(relative)

    for relative in orphaned_files(out_dir, files):
        (out_dir / relative).unlink()
        log.info("removed %s, which no generator produces", out_dir / relative)
        result.removed.append(relative)
    return result


def compare(out_dir: Path, files: Mapping[str, bytes]) -> CheckResult:
    """Compare ``out_dir`` with ``files`` and return what is stale, missing or orphaned.

    ``diff`` contains a unified diff from the folder's content to the expected
    content, with an orphaned file diffed against nothing.
    """
    result = CheckResult(out_dir=out_dir)
    diffs: list[str] = []
    for relative, expected in sorted(files.items()):
        target = resolve_inside(out_dir, relative)
        if not target.is_file():
            result.missing.append(relative)
            diffs.append(_diff(relative, None, expected))
        elif (actual := target.read_bytes()) != expected:
            result.stale.append(relative)
            diffs.append(_diff(relative, actual, expected))

    for relative in orphaned_files(out_dir, files):
        result.orphaned.append(relative)
        diffs.append(_diff(relative, (out_dir / relative).read_bytes(), None))
    result.diff = "".join(diffs)
    return result


def resolve_inside(out_dir: Path, relative: str) -> Path:
    """Return ``out_dir / relative``, or raise if it resolves outside ``out_dir``.

    The path is checked as text first and then resolved, so a symbolic link
    inside the folder that points out of it is rejected too.
    """
    relative = safe_relative_path(relative)
    root = out_dir.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise GenerationError(
            f"generated path {relative!r} resolves to {target}, outside {root}"
        )
    return target


def orphaned_files(out_dir: Path, files: Collection[str]) -> list[str]:
    """List generated files under ``out_dir`` whose paths ``files`` does not contain."""
    if not out_dir.is_dir():
        return []
    orphans = []
    for path in sorted(out_dir.rglob("*")):
        relative = path.relative_to(out_dir).as_posix()
        if path.is_file() and relative not in files and is_generated(path):
            orphans.append(relative)
    return orphans


def _write_atomically(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _diff(relative: str, actual: bytes | None, expected: bytes | None) -> str:
    before = _lines(actual)
    after = _lines(expected)
    from_name = f"a/{relative}" if actual is not None else "/dev/null"
    to_name = f"b/{relative}" if expected is not None else "/dev/null"
    return "".join(difflib.unified_diff(before, after, from_name, to_name))


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    lines = content.decode("utf-8", errors="replace").splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
