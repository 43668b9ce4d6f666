"""Generated entity identifiers.

An id has the form ``<PREFIX>-<YYYYMMDDHHMMSS>-<8 hex digits>``, such as
``RUN-20240115103500-9f86d081``. The timestamp keeps ids readable and roughly
sorted by creation time. The 32 random bits keep two ids made in the same
second apart, which a timestamp alone does not. The random suffix also means
that these ids fail the strict id profile of ``mlspec validate``.
"""

from __future__ import annotations

import secrets
from collections.abc import Container
from datetime import UTC, datetime

RANDOM_HEX_DIGITS = 8

# A clash in 32 random bits is rare, so a handful of draws is plenty.
_MAX_ATTEMPTS = 16


def new_id(prefix: str, moment: datetime, taken: Container[str] = ()) -> str:
    """Return a new id made from ``prefix``, ``moment`` and random hex digits.

    ``taken`` contains the ids already in use, and the returned id is not one of them.
    ``moment`` must be timezone-aware and is written in UTC.
    """
    stamp = moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    for _ in range(_MAX_ATTEMPTS):
        candidate = f"{prefix}-{stamp}-{secrets.token_hex(RANDOM_HEX_DIGITS // 2)}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free {prefix} id after {_MAX_ATTEMPTS} random draws")
