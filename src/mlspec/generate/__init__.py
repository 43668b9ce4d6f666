"""Generate Python models, OpenAPI and SQL from the spec, and check committed output.

``generate_all`` runs every generator in memory, ``write`` puts the result in
an output folder and ``check`` regenerates and compares with a folder. The
generators import their heavy dependencies (datamodel-code-generator, PyYAML)
only when they run.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from mlspec.generate.cache import file_hashes, input_key, load_entry, store_entry
from mlspec.generate.framework import (
    GENERATORS,
    HEADER_MARK,
    DocumentInput,
    GeneratedFiles,
    GenerationError,
    Generator,
    Unsupported,
    generate_all,
    header,
    load_document,
)
from mlspec.generate.output import (
    CheckResult,
    WriteResult,
    compare,
    orphaned_files,
    resolve_inside,
    write,
)
from mlspec.spec import Spec, load_spec

log = logging.getLogger(__name__)

__all__ = [
    "GENERATORS",
    "HEADER_MARK",
    "CheckResult",
    "DocumentInput",
    "GeneratedFiles",
    "GenerationError",
    "Generator",
    "Unsupported",
    "WriteResult",
    "check",
    "compare",
    "default_out_dir",
    "generate_all",
    "header",
    "load_document",
    "write",
]


def check(
    out_dir: Path,
    *,
    spec: Spec | None = None,
    document: DocumentInput | None = None,
    use_cache: bool = True,
) -> CheckResult:
    """Regenerate in memory and compare with ``out_dir``.

    ``spec`` defaults to the spec that ships with mlspec. Without a
    ``document``, the hashes of the last generated output for the same
    inputs are cached (see ``mlspec.generate.cache``), and a folder that
    matches them is reported up to date without regenerating.
    """
    spec = spec or load_spec()
    key = input_key(spec) if use_cache and document is None else None
    if key is not None:
        entry = load_entry(key)
        if entry is not None and _matches(out_dir, entry["files"]):
            for item in entry.get("unsupported", []):
                log.warning("unsupported: %s", item)
            return CheckResult(out_dir=out_dir)

    files = generate_all(spec, document=document)
    if key is not None:
        unsupported = [str(item) for item in files.unsupported]
        store_entry(key, file_hashes(files), unsupported)
    return compare(out_dir, files)


def _matches(out_dir: Path, hashes: dict[str, str]) -> bool:
    """Return whether ``out_dir`` contains exactly the files with these hashes."""
    for relative, expected in hashes.items():
        target = resolve_inside(out_dir, relative)
        if not target.is_file():
            return False
        if hashlib.sha256(target.read_bytes()).hexdigest() != expected:
            return False
    return not orphaned_files(out_dir, hashes)


def default_out_dir() -> Path:
    """Return ``generated/`` of the source checkout, else of the working directory."""
    project = Path(__file__).resolve().parents[3]
    if (project / "pyproject.toml").is_file() and (project / "spec").is_dir():
        return project / "generated"
    return Path.cwd() / "generated"
