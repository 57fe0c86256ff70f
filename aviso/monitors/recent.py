"""The last checks of a page of monitors, for the live list's bars: one query.

Each monitor's window is bounded by its own interval (``BAR_CHECKS`` intervals
back, plus slack), so the query reads about ``BAR_CHECKS`` rows a monitor
through the (monitor, due_at) index, whatever the history's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from aviso.monitors.models import Monitor, Result

BAR_CHECKS = 30


@dataclass(frozen=True)
class Check:
    due_at: dt.datetime
    status: str
    latency_ms: float | None


def recent_checks(monitors: list[Monitor], count: int = BAR_CHECKS) -> dict[int, list[Check]]:
    """Per monitor id, its last ``count`` checks, oldest first."""
    if not monitors:
        return {}
    now = timezone.now()
    by_interval: dict[int, list[int]] = defaultdict(list)
    for monitor in monitors:
        by_interval[monitor.interval_seconds].append(monitor.pk)
    window = Q()
    for interval, ids in by_interval.items():
        since = now - dt.timedelta(seconds=interval * (count + 2))
        window |= Q(monitor_id__in=ids, due_at__gte=since)
    rows = (
        Result.objects.filter(window)
        .order_by("monitor_id", "-due_at")
        .values_list("monitor_id", "due_at", "status", "latency_ms")
    )
    found: dict[int, list[Check]] = defaultdict(list)
    for monitor_id, due_at, status, latency in rows:
        if len(found[monitor_id]) < count:
            found[monitor_id].append(Check(due_at, status, latency))
    return {m.pk: list(reversed(found.get(m.pk, []))) for m in monitors}
