"""RFC 3339 timestamps as mlspec reads them.

Python's ``datetime`` cannot hold every RFC 3339 value (a leap second such as
``23:59:60``, or ``9999-12-31T23:59:59-01:00`` once moved to UTC), so the
comparisons the validator needs work on integer microseconds since the Unix
epoch instead.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_TIMESTAMP = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"[Tt ](?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})?\Z",
    # Without ASCII, \d would also match digits such as the full-width ２.
    # \Z, unlike $, does not match before a trailing newline.
    re.ASCII,
)


@dataclass(frozen=True)
class Timestamp:
    """A parsed timestamp: microseconds since the epoch, in UTC."""

    epoch_us: int
    naive: bool


class TimestampError(ValueError):
    """Raised when a string is not an RFC 3339 date-time."""


def parse_timestamp(text: str) -> Timestamp:
    """Parse an RFC 3339 date-time, or one without an offset (read as UTC).

    Raises ``TimestampError`` with the reason when ``text`` is not a date-time
    or names a day or time that does not exist.
    """
    match = _TIMESTAMP.match(text)
    if match is None:
        raise TimestampError("expected YYYY-MM-DDTHH:MM:SS[.fraction] and an offset")

    year, month, day = (int(match[name]) for name in ("year", "month", "day"))
    hour, minute, second = (int(match[name]) for name in ("hour", "minute", "second"))
    if year == 0:
        raise TimestampError("year 0000 does not exist")
    if not 1 <= month <= 12:
        raise TimestampError(f"month {month:02d} does not exist")
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise TimestampError(f"{year:04d}-{month:02d} has no day {day:02d}")
    if hour > 23 or minute > 59:
        raise TimestampError(f"{hour:02d}:{minute:02d} is not a time of day")
    if second > 60 or (second == 60 and minute != 59):
        raise TimestampError(f"second {second} is not valid here")

    offset_minutes = _offset_minutes(match["offset"])
    _check_utc_range(year, month, day, offset_minutes)
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    days = _days_from_civil(year, month, day)
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    seconds -= offset_minutes * 60
    epoch_us = seconds * 1_000_000 + int(fraction or 0)
    return Timestamp(epoch_us=epoch_us, naive=match["offset"] is None)


def _offset_minutes(offset: str | None) -> int:
    if offset is None or offset in ("Z", "z"):
        return 0
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if hours > 15 or minutes > 59:
        raise TimestampError(
            f"offset {offset} is out of range: PostgreSQL stores offsets up to ±15:59"
        )
    sign = -1 if offset[0] == "-" else 1
    return sign * (hours * 60 + minutes)


def _check_utc_range(year: int, month: int, day: int, offset_minutes: int) -> None:
    """Keep the instant within years 1 to 9999 in UTC, which Python's datetime can hold.

    The check is by date, not by the exact instant, so that the spec's
    ``pattern`` (which jsonschema-rs checks) can express the same rule.
    """
    if (year, month, day) == (1, 1, 1) and offset_minutes > 0:
        raise TimestampError(
            "0001-01-01 with a positive offset can fall before year 1 in UTC"
        )
    if (year, month, day) == (9999, 12, 31) and offset_minutes < 0:
        raise TimestampError(
            "9999-12-31 with a negative offset can fall after year 9999 in UTC"
        )


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
