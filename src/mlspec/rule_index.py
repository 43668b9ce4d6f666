"""Storage of the ids, pending references and parent links of the cross-entity rules.

A whole document is already in memory, so ``MemoryIndex`` keeps the index
in dicts. A JSON Lines stream can hold millions of runs, so
``SqliteIndex`` keeps it in a temporary SQLite database on disk, and the
memory used by validation stays the same whatever the number of records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Protocol


class RuleIndex(Protocol):
    """Storage of what the cross-entity rules must remember between entities."""

    def add_id(self, kind: str, entity_id: str, pointer: str) -> str | None:
        """Record an id; return the pointer of its first use when it is a duplicate."""

    def has_id(self, kind: str, entity_id: str) -> bool: ...

    def add_pending(
        self, kinds: tuple[str, ...], target: str, pointer: str, field: str
    ) -> None:
        """Keep a reference whose target has not been seen yet."""

    def pending(self) -> Iterator[tuple[tuple[str, ...], str, str, str]]: ...

    def add_parent(self, run_id: str, parent: str, pointer: str) -> None: ...

    def parent_of(self, run_id: str) -> tuple[str, str] | None: ...

    def children(self) -> Iterator[str]:
        """Yield every run id that has a parent."""

    def close(self) -> None: ...


class MemoryIndex:
    """The index in dicts, for documents that are in memory anyway."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._pending: list[tuple[tuple[str, ...], str, str, str]] = []
        self._parents: dict[str, tuple[str, str]] = {}

    def add_id(self, kind: str, entity_id: str, pointer: str) -> str | None:
        first = self._ids.setdefault((kind, entity_id), pointer)
        return first if first != pointer else None

    def has_id(self, kind: str, entity_id: str) -> bool:
        return (kind, entity_id) in self._ids

    def add_pending(
        self, kinds: tuple[str, ...], target: str, pointer: str, field: str
    ) -> None:
        self._pending.append((kinds, target, pointer, field))

    def pending(self) -> Iterator[tuple[tuple[str, ...], str, str, str]]:
        yield from self._pending

    def add_parent(self, run_id: str, parent: str, pointer: str) -> None:
        self._parents.setdefault(run_id, (parent, pointer))

    def parent_of(self, run_id: str) -> tuple[str, str] | None:
        return self._parents.get(run_id)

    def children(self) -> Iterator[str]:
        yield from self._parents

    def close(self) -> None:
        pass


class SqliteIndex:
    """The index in a temporary on-disk SQLite database, deleted on ``close``."""

    def __init__(self) -> None:
        # An empty file name makes SQLite create a private temporary database on disk.
        self._db = sqlite3.connect("")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE ids (kind TEXT, id TEXT, pointer TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID;
            CREATE TABLE pending (kinds TEXT, target TEXT, pointer TEXT, field TEXT);
            CREATE TABLE parents (run_id TEXT PRIMARY KEY, parent TEXT, pointer TEXT) WITHOUT ROWID;
            """
        )

    def add_id(self, kind: str, entity_id: str, pointer: str) -> str | None:
        try:
            self._db.execute(
                "INSERT INTO ids VALUES (?, ?, ?)", (kind, entity_id, pointer)
            )
        except sqlite3.IntegrityError:
            row = self._db.execute(
                "SELECT pointer FROM ids WHERE kind = ? AND id = ?", (kind, entity_id)
            ).fetchone()
            return row[0]
        return None

    def has_id(self, kind: str, entity_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM ids WHERE kind = ? AND id = ?", (kind, entity_id)
        ).fetchone()
        return row is not None

    def add_pending(
        self, kinds: tuple[str, ...], target: str, pointer: str, field: str
    ) -> None:
        self._db.execute(
            "INSERT INTO pending VALUES (?, ?, ?, ?)",
            (" ".join(kinds), target, pointer, field),
        )

    def pending(self) -> Iterator[tuple[tuple[str, ...], str, str, str]]:
        for kinds, target, pointer, field in self._db.execute(
            "SELECT kinds, target, pointer, field FROM pending ORDER BY rowid"
        ):
            yield tuple(kinds.split(" ")), target, pointer, field

    def add_parent(self, run_id: str, parent: str, pointer: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO parents VALUES (?, ?, ?)", (run_id, parent, pointer)
        )

    def parent_of(self, run_id: str) -> tuple[str, str] | None:
        row = self._db.execute(
            "SELECT parent, pointer FROM parents WHERE run_id = ?", (run_id,)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def children(self) -> Iterator[str]:
        cursor = self._db.execute("SELECT run_id FROM parents ORDER BY run_id")
        for (run_id,) in cursor:
            yield run_id

    def close(self) -> None:
        self._db.close()
