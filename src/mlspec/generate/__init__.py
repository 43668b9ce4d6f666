"""Generate Python models, OpenAPI and SQL from the spec, and check committed output.

``generate_all`` runs every generator in memory, ``write`` puts the result in
an output folder and ``check`` regenerates and compares with a folder. The
generators import their heavy dependencies (datamodel-code-generator, PyYAML)
only when they run.
"""

from __future__ import annotations

from pathlib import Path

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
from mlspec.generate.output import CheckResult, WriteResult, compare, write
from mlspec.spec import Spec, load_spec

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
    out_dir: Path, *, spec: Spec | None = None, document: DocumentInput | None = None
) -> CheckResult:
    """Regenerate in memory and compare with ``out_dir``.

    ``spec`` defaults to the spec that ships with mlspec.
    """
    files = generate_all(spec or load_spec(), document=document)
    return compare(out_dir, files)


def default_out_dir() -> Path:
    """Return ``generated/`` of the source checkout, else of the working directory."""
    project = Path(__file__).resolve().parents[3]
    if (project / "pyproject.toml").is_file() and (project / "spec").is_dir():
        return project / "generated"
    return Path.cwd() / "generated"
