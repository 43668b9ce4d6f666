"""The report of an export or import: the id map and what could not be carried over.

MLflow assigns its own ids and has no place for some mlspec fields (and the
other way round). Every such field gets one ``ReportEntry``, so a reader of
the report can see everything the conversion changed or left out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from mlspec.findings import Finding


@dataclass(frozen=True)
class ReportEntry:
    """One field that was dropped or changed, at a JSON pointer of the source."""

    pointer: str
    action: str
    reason: str

    def format_text(self) -> str:
        """Return ``pointer: action: reason``."""
        return f"{self.pointer or '/'}: {self.action}: {self.reason}"


DROPPED = "dropped"
CHANGED = "changed"
ADDED = "added"


@dataclass
class ConversionReport:
    """The result of one export or import.

    ``id_map`` maps, per entity list (``runs``, ``experiments``, ...), each
    source id to the id it has in the target: mlspec id to MLflow id on
    export, MLflow id to mlspec id on import (only for entities that an
    earlier export tagged with their mlspec id). Ids are unique only within
    a list, so each list has its own map.
    """

    direction: str
    source: str
    target: str
    mlflow_version: str
    id_map: dict[str, dict[str, str]] = field(default_factory=dict)
    entries: list[ReportEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def map_id(self, list_name: str, source_id: str, target_id: str) -> None:
        """Record that ``source_id`` in ``list_name`` became ``target_id``."""
        self.id_map.setdefault(list_name, {})[source_id] = target_id

    def mapped_id(self, list_name: str, source_id: str) -> str | None:
        """Return the target id of ``source_id`` in ``list_name``, if it was mapped."""
        return self.id_map.get(list_name, {}).get(source_id)

    def drop(self, pointer: str, reason: str) -> None:
        """Record a field or entity that the target cannot hold."""
        self.entries.append(ReportEntry(pointer, DROPPED, reason))

    def change(self, pointer: str, reason: str) -> None:
        """Record a value that the target stores in a different form."""
        self.entries.append(ReportEntry(pointer, CHANGED, reason))

    def add(self, pointer: str, reason: str) -> None:
        """Record a value that the conversion had to make up, such as a missing name."""
        self.entries.append(ReportEntry(pointer, ADDED, reason))

    def count(self, name: str, amount: int = 1) -> None:
        """Add to one of the totals that the summary prints."""
        self.counts[name] = self.counts.get(name, 0) + amount

    def pointers(self) -> set[str]:
        """Return the pointers of all entries."""
        return {entry.pointer for entry in self.entries}

    def to_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready data."""
        return {
            "direction": self.direction,
            "source": self.source,
            "target": self.target,
            "mlflow_version": self.mlflow_version,
            "counts": dict(sorted(self.counts.items())),
            "id_map": self.id_map,
            "entries": [asdict(entry) for entry in self.entries],
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def to_json(self) -> str:
        """Return the report as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def format_text(self) -> str:
        """Return the report as lines for a terminal."""
        lines = [
            f"{self.direction}: {self.source} -> {self.target} "
            f"(MLflow {self.mlflow_version})"
        ]
        totals = ", ".join(
            f"{count} {name}" for name, count in sorted(self.counts.items())
        )
        if totals:
            lines.append(f"carried over: {totals}")
        if self.id_map:
            lines.append("id map:")
            for list_name, ids in self.id_map.items():
                lines.extend(
                    f"  {list_name}: {old} -> {new}" for old, new in ids.items()
                )
        if self.entries:
            lines.append(f"not carried over as is ({len(self.entries)}):")
            lines.extend(f"  {entry.format_text()}" for entry in self.entries)
        return "\n".join(lines)
