"""Compare two versions of the spec and classify every change by audience.

``diff_specs`` flattens each entity schema of both versions (every ``$ref``
resolved) and compares them field by field for documents. It compares the
generated OpenAPI documents for API clients, and the generated PostgreSQL
schemas for databases. A breaking change is acceptable only together with a
major version bump.
"""

from __future__ import annotations

import io
import logging
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlspec.compat.changes import Change
from mlspec.compat.database import database_changes
from mlspec.compat.documents import document_changes
from mlspec.compat.fields import entity_fields
from mlspec.compat.openapi import api_changes
from mlspec.compat.versions import is_major_bump
from mlspec.errors import InputError, UsageError
from mlspec.spec import Spec

log = logging.getLogger(__name__)


@dataclass
class SpecDiff:
    """Every change between two spec versions, and the versions themselves."""

    old_version: str
    new_version: str
    changes: list[Change]

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.breaking]

    @property
    def major_bump(self) -> bool:
        return is_major_bump(self.old_version, self.new_version)

    @property
    def acceptable(self) -> bool:
        """True unless a breaking change arrives without a major version bump."""
        return self.major_bump or not self.breaking

    def as_json(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "major_bump": self.major_bump,
            "acceptable": self.acceptable,
            "changes": [change.as_json() for change in self.changes],
        }


def diff_specs(old: Spec, new: Spec) -> SpecDiff:
    """Classify every change from ``old`` to ``new`` for documents, API clients and databases."""
    changes = [
        *document_changes(entity_fields(old), entity_fields(new)),
        *api_changes(old, new),
        *database_changes(old, new),
    ]

    log.info(
        "compared spec %s with %s: %d changes", old.version, new.version, len(changes)
    )
    return SpecDiff(old.version, new.version, changes)


def export_git_spec(
    revision: str, destination: Path, repository: Path, folder: Path = Path("spec")
) -> Path:
    """Write ``folder`` (relative to the repository's top) at ``revision`` into ``destination``.

    Returns the exported folder. Raises ``InputError`` when git is missing or
    the revision or folder does not exist.
    """
    if revision.startswith("-"):
        # git would read it as an option, such as --output=FILE.
        raise UsageError(f"invalid git revision {revision!r}: it starts with '-'")
    command = ["git", "-C", str(repository), "archive", "--format=tar", revision]
    command += ["--", folder.as_posix()]
    try:
        result = subprocess.run(command, capture_output=True, check=True)
    except FileNotFoundError as error:
        raise InputError("git is not installed, so --git cannot be used") from error
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode(errors="replace").strip()
        raise InputError(
            f"cannot read {folder.as_posix()}/ at git revision {revision!r}: {message}"
        ) from error

    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(destination, filter="data")
    return destination / folder
