"""The loader's fast timestamp conversion agrees with ``parse_timestamp``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlspec.store.rows import _epoch_us
from mlspec.timestamps import parse_timestamp

CASES = [
    "2024-01-15T10:00:00Z",
    "2024-01-15T10:00:00.5Z",
    "2024-01-15T10:00:00.123456789Z",
    "2024-01-15t10:00:00z",
    "2024-01-15 10:00:00+05:30",
    "2024-01-15T10:00:00",
    "2016-12-31T23:59:60Z",
    "0001-01-01T00:00:00-01:00",
    "9999-12-31T23:59:59+01:00",
    "2024-02-29T00:00:00-15:59",
    "2024-01-15T10:00:00.000001+00:00",
    "1969-12-31T23:59:59.999999Z",
]


@pytest.mark.parametrize("text", CASES)
def test_epoch_matches_parser(text: str) -> None:
    _epoch_us.cache_clear()

    assert _epoch_us(text) == parse_timestamp(text).epoch_us


@given(
    moment=st.datetimes(),
    digits=st.integers(min_value=0, max_value=9),
    # Valid documents keep offsets within ±15:59, the range PostgreSQL stores.
    offset_minutes=st.integers(min_value=-(15 * 60 + 59), max_value=15 * 60 + 59),
    zulu=st.booleans(),
)
def test_epoch_matches_parser_generated(
    moment, digits: int, offset_minutes: int, zulu: bool
) -> None:
    fraction = f"{moment.microsecond:06d}{moment.microsecond % 1000:03d}"[:digits]
    text = moment.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    if digits:
        text += "." + fraction
    if zulu:
        text += "Z"
    else:
        sign = "-" if offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(offset_minutes), 60)
        text += f"{sign}{hours:02d}:{minutes:02d}"
    edge_day = text.startswith(("0001-01-01", "9999-12-31"))
    if edge_day and not zulu and offset_minutes:
        return  # the validator rejects these before any load
    _epoch_us.cache_clear()

    assert _epoch_us(text) == parse_timestamp(text).epoch_us
