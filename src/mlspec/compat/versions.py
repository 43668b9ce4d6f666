"""Spec versions: parse them and decide how a document's version relates to the spec.

A spec version is MAJOR.MINOR. A minor release only adds what documents of
the same major version may use. A major release may reject documents that
the previous one accepted (see ``docs/compatibility.md``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import total_ordering

from mlspec.errors import UsageError

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@total_ordering
@dataclass(frozen=True)
class SpecVersion:
    """A MAJOR.MINOR spec version, ordered numerically (1.10 is after 1.9)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: object) -> SpecVersion:
        """Parse ``"1.0"``, raising ``UsageError`` for anything that is not MAJOR.MINOR."""
        match = _VERSION.match(text) if isinstance(text, str) else None
        if match is None:
            raise UsageError(
                f"invalid spec version {text!r}: expected MAJOR.MINOR, such as 1.0"
            )
        return cls(int(match[1]), int(match[2]))

    def __lt__(self, other: SpecVersion) -> bool:
        return (self.major, self.minor) < (other.major, other.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


class VersionStatus(enum.Enum):
    """Relation of a document's ``spec_version`` to the installed spec."""

    CURRENT = "current"
    # Same major, lower minor: valid as written, because minor releases only widen.
    OLDER_MINOR = "older-minor"
    # Lower major: ``mlspec upgrade`` may rewrite it.
    OLDER_MAJOR = "older-major"
    # Higher version than the installed package supports: upgrade mlspec.
    NEWER = "newer"
    # Not MAJOR.MINOR at all, or missing.
    UNKNOWN = "unknown"


def classify(document_version: object, spec_version: str) -> VersionStatus:
    """Compare a document's declared version with the spec's version."""
    installed = SpecVersion.parse(spec_version)
    try:
        declared = SpecVersion.parse(document_version)
    except UsageError:
        return VersionStatus.UNKNOWN

    if declared == installed:
        return VersionStatus.CURRENT
    if declared > installed:
        return VersionStatus.NEWER
    if declared.major == installed.major:
        return VersionStatus.OLDER_MINOR
    return VersionStatus.OLDER_MAJOR


def is_major_bump(old: str, new: str) -> bool:
    """Return whether ``new`` has a higher major version than ``old``."""
    return SpecVersion.parse(new).major > SpecVersion.parse(old).major


def version_message(document_version: object, spec_version: str) -> str | None:
    """Return why a document's ``spec_version`` cannot be read as is, or None when it can.

    The message names the next step: a newer mlspec for a newer
    document, run ``mlspec upgrade`` for an older major version, or fix a
    value that is not a version at all.
    """
    status = classify(document_version, spec_version)
    if status in (VersionStatus.CURRENT, VersionStatus.OLDER_MINOR):
        return None
    if status is VersionStatus.NEWER:
        return (
            f"spec_version {document_version} is newer than spec {spec_version} of "
            "the installed mlspec, so install a newer mlspec to read it"
        )
    if status is VersionStatus.OLDER_MAJOR:
        return (
            f"spec_version {document_version} is older than spec {spec_version}, "
            "so rewrite the document with mlspec upgrade"
        )
    return (
        f"spec_version {document_version!r} is not a MAJOR.MINOR version "
        f"such as {spec_version}, the version this mlspec reads"
    )
