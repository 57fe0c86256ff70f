"""Ticks for the inline SVG charts: round times and round milliseconds.

Kept apart from the drawing so any chart (the console's, a public one) can put
the same readable axes under its line.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils import dateformat, timezone

# Steps between time ticks, smallest first: the first giving at most ``most`` ticks wins.
TIME_STEPS = [
    dt.timedelta(seconds=s)
    for s in (10, 30, 60, 120, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400,
              2 * 86400, 7 * 86400)
]  # fmt: skip


def time_ticks(start: dt.datetime, end: dt.datetime, most: int = 7) -> list[dt.datetime]:
    """Round moments between ``start`` and ``end`` (aware), in the current time zone."""
    span = end - start
    step = next((s for s in TIME_STEPS if span / s <= most), TIME_STEPS[-1])
    local = timezone.localtime(start)
    if step >= dt.timedelta(days=1):
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        since = (local - midnight).total_seconds()
        steps = math.floor(since / step.total_seconds())
        first = midnight + steps * step
    ticks = []
    moment = first
    while moment <= end:
        if moment >= start:
            ticks.append(moment)
        moment += step
    return ticks


def time_label(moment: dt.datetime, span: dt.timedelta) -> str:
    """``14:05:30`` within minutes, ``14:05`` within a day, ``Jun 3 14:00`` across days,
    ``Jun 3`` across weeks."""
    local = timezone.localtime(moment)
    if span <= dt.timedelta(minutes=10):
        return dateformat.format(local, "H:i:s")
    if span <= dt.timedelta(days=1):
        return dateformat.format(local, "H:i")
    if span <= dt.timedelta(days=7):
        return dateformat.format(local, "M j H:i")
    return dateformat.format(local, "M j")


def value_ticks(top: float, most: int = 4) -> list[float]:
    """0 and round values up to ``top``: 0, 50, 100, 150 for a top of 170."""
    if top <= 0:
        return [0.0]
    raw = top / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(top // step) + 1)]
