"""The record of one classified change between two spec versions."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Audience(enum.StrEnum):
    """Who a change can break."""

    DOCUMENTS = "documents"
    DATABASE = "database"
    API = "api"


@dataclass(frozen=True)
class Change:
    """One difference between the old and the new spec, for one audience.

    ``old`` and ``new`` are ``file#pointer`` locations (a table or column name
    for the database audience); one of them is ``None`` when the thing was
    added or removed.
    """

    audience: Audience
    kind: str
    breaking: bool
    subject: str
    message: str
    old: str | None
    new: str | None

    def format_text(self) -> str:
        marker = "BREAKING" if self.breaking else "ok"
        where = f"{self.old or '-'} -> {self.new or '-'}"
        return f"{marker} [{self.audience}] {self.kind}: {self.subject}: {self.message} ({where})"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
