"""Time zone arithmetic for pages: months, days and the seed's "16:30 (GMT-5)"."""

from __future__ import annotations

import datetime as dt
import zoneinfo


def utc_offset_label(moment: dt.datetime) -> str:
    """``GMT-5``, ``GMT+5:30``, ``GMT`` for the offset in force at ``moment``."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "GMT"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def localize(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store and pass aware UTC datetimes")
    return moment.astimezone(zone)


def month_start(year: int, month: int, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant of a month in ``zone``, as an aware datetime."""
    return dt.datetime(year, month, 1, tzinfo=zone)


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_bounds(year: int, month: int, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in ``zone``, converted to UTC for the database."""
    next_year, next_month = add_months(year, month, 1)
    start = month_start(year, month, zone).astimezone(dt.UTC)
    end = month_start(next_year, next_month, zone).astimezone(dt.UTC)
    return start, end


def local_day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)
