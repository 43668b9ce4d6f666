"""Conversion and checks of the values that callers pass to a ``Document``."""

from __future__ import annotations

import getpass
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from mlspec.errors import UsageError
from mlspec.reader import NON_FINITE
from mlspec.timestamps import TimestampError, parse_timestamp

ParameterValue = str | int | float | bool
MetricValue = int | float | str
Timestamp = datetime | str
Clock = Callable[[], datetime]

_INT64 = (-(2**63), 2**63 - 1)


def format_timestamp(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC, to the millisecond as MLflow stores times.

    Whole seconds are written without a fraction: ``2024-01-15T10:30:00Z``.
    """
    utc = moment.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    millis = utc.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def checked_timestamp_text(text: str, subject: str) -> str:
    try:
        parsed = parse_timestamp(text)
    except TimestampError as error:
        raise UsageError(
            f"{subject}: {text!r} is not an RFC 3339 date-time: {error}"
        ) from None
    if parsed.naive:
        raise UsageError(f"{subject}: {text!r} has no UTC offset; add one, such as Z")
    return text


def duration_seconds(start: str, end: str) -> int | float:
    """Seconds from ``start`` to ``end``: an int when whole, else a float."""
    delta_us = parse_timestamp(end).epoch_us - parse_timestamp(start).epoch_us
    whole, rest = divmod(delta_us, 1_000_000)
    return whole if rest == 0 else delta_us / 1_000_000


def parameter_value(value: Any, subject: str) -> ParameterValue:
    """Return ``value`` as a JSON string, number or boolean, accepting numpy scalars."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise UsageError(
                f"{subject}: {number} is invalid; a parameter must be finite"
            )
        return number
    raise UsageError(
        f"{subject}: {value!r} is invalid; use a string, number or boolean"
    )


def metric_value(value: Any, subject: str) -> MetricValue:
    """Return ``value`` in the canonical form, with NaN and infinities as strings."""
    if isinstance(value, str) and value in NON_FINITE:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(
            f"{subject}: {value!r} is invalid; a metric value must be a number"
        )
    if isinstance(value, numbers.Integral):
        return int(value)

    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def checked_step(step: Any, subject: str) -> int:
    if step is None:
        return 0
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise UsageError(f"{subject}: step {step!r} is invalid; use an integer")
    if not _INT64[0] <= int(step) <= _INT64[1]:
        raise UsageError(f"{subject}: step {step} is outside the 64-bit integer range")
    return int(step)


def tag_text(value: Any, subject: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | numbers.Real):
        return str(value)
    raise UsageError(f"{subject}: value {value!r} is invalid; use a string")


def copy_tags(tags: Sequence[str] | Mapping[str, str] | None) -> list | dict | None:
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return dict(tags)
    if isinstance(tags, str):
        raise UsageError(
            f"tags {tags!r}: pass a list of labels or a mapping, not one string"
        )
    return list(tags)


def with_tag(tags: list | dict | None, key: str, text: str | None) -> list | dict:
    """Return a copy of ``tags`` with the tag added, as a list while only labels are stored."""
    if text is None and not isinstance(tags, dict):
        labels = list(tags or [])
        return labels if key in labels else [*labels, key]

    if isinstance(tags, dict):
        mapping = dict(tags)
    else:
        mapping = dict.fromkeys(tags or [], "")
    if text is None:
        mapping.setdefault(key, "")
    else:
        mapping[key] = text
    return mapping


def without_none(entity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entity.items() if value is not None}


def login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        # No login name in the environment or the password database.
        return "unknown"


def utc_now() -> datetime:
    return datetime.now(UTC)
