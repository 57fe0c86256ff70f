"""Bounds on the numbers and times that come in from outside, checked before any query.

SQLite stores integers up to 2**63 - 1 and raises ``OverflowError`` past that
(an ``OFFSET`` included); a time at year 1 with a positive offset is before
year 1 in UTC, which Python cannot represent. So every number an API takes has
a range, and every time is checked here and refused with a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator

MAX_OFFSET = 1_000_000
FIRST_YEAR, LAST_YEAR = 1970, 9000


def utc_in_range(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC, or ``ValueError`` when it is naive or outside the years Aviso keeps."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("A time needs a time zone offset, for example 2026-06-30T16:30:00-05:00.")
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("Out of range.") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"Out of range (years {FIRST_YEAR} to {LAST_YEAR}).")
    return value


When = Annotated[dt.datetime, AfterValidator(utc_in_range)]
