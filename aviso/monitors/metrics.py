"""The public page's response-time charts, from the hourly roll-ups. Two queries.

Per component: its monitors' hourly average response time (monitors weighted
alike), over the past 24 hours (hourly points), 7 days (four-hour points) and
30 days (daily points). Hours not rolled up yet (the current one, and the one
before until the roll-up job has run) come from the raw results, so the
charts move with every check, not once an hour; for those hours the
"slowest" figure is the slowest check rather than the 95th percentile.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Avg, Count, F, Max, Sum
from django.db.models.functions import TruncHour

from aviso.monitors.models import Result, Rollup
from aviso.monitors.rollups import HOUR, hour_floor
from aviso.status.metrics import Series

# (key, number of points, hours per point)
RANGES = [("day", 24, 1), ("week", 42, 4), ("month", 30, 24)]
_LONGEST = max(points * hours for _, points, hours in RANGES)

Hourly = dict[dt.datetime, tuple[float, int, float | None]]  # hour: (avg ms, checks, slowest)


def _hourly(component_ids: list[int], since: dt.datetime, now: dt.datetime) -> dict[int, Hourly]:
    hours: dict[int, Hourly] = defaultdict(dict)
    rolled = (
        Rollup.objects.filter(
            monitor__component_id__in=component_ids,
            hour__gte=since,
            latency_avg__isnull=False,
        )
        .values(component_id=F("monitor__component_id"), at=F("hour"))
        .annotate(
            ms=Avg("latency_avg"),
            n=Sum(F("up") + F("degraded") + F("down")),
            slowest=Max("latency_p95"),
        )
        .order_by()
    )
    for row in rolled:
        hours[row["component_id"]][row["at"]] = (row["ms"], row["n"], row["slowest"])
    live = (
        Result.objects.filter(
            monitor__component_id__in=component_ids,
            checked_at__gte=hour_floor(now) - HOUR,
            latency_ms__isnull=False,
        )
        .annotate(at=TruncHour("checked_at", tzinfo=dt.UTC))
        .values("at", component_id=F("monitor__component_id"))
        .annotate(ms=Avg("latency_ms"), n=Count("id"), slowest=Max("latency_ms"))
        .order_by()
    )
    for row in live:
        hours[row["component_id"]].setdefault(row["at"], (row["ms"], row["n"], row["slowest"]))
    return hours


def _series(key: str, count: int, step: int, hourly: Hourly, end: dt.datetime) -> Series:
    start = end - dt.timedelta(hours=count * step)
    points = []
    total_ms, total_n, slowest = 0.0, 0, None
    for i in range(count):
        bucket = start + dt.timedelta(hours=i * step)
        ms, n = 0.0, 0
        for h in range(step):
            found = hourly.get(bucket + dt.timedelta(hours=h))
            if found is None:
                continue
            ms += found[0] * found[1]
            n += found[1]
            if found[2] is not None:
                slowest = found[2] if slowest is None else max(slowest, found[2])
        points.append((bucket, ms / n if n else None))
        total_ms, total_n = total_ms + ms, total_n + n
    average = total_ms / total_n if total_n else None
    return Series(key, start, end, points, average, slowest)


def component_response_times(
    component_ids: list[int], *, now: dt.datetime
) -> dict[int, list[Series]]:
    """Per component id: the three charts (see ``RANGES``), the current hour last."""
    end = hour_floor(now) + HOUR
    hours = _hourly(component_ids, end - dt.timedelta(hours=_LONGEST), now)
    return {
        component_id: [
            _series(key, count, step, hours.get(component_id, {}), end)
            for key, count, step in RANGES
        ]
        for component_id in component_ids
    }
