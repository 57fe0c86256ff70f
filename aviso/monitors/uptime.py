"""Daily uptime bars from the hourly roll-ups: one query, whatever the history.

For the public page's 90 bars and the console. A day is a day in the page's
time zone; each hourly roll-up counts in the local day its hour starts in (a
zone with a :30 or :45 offset moves that part-hour to the neighbour day).
Degraded checks are not downtime (Statuspage's convention for degraded
performance); a day's colour is its worst check.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from aviso.lib.timezones import local_day_start
from aviso.monitors.choices import CheckStatus
from aviso.monitors.models import Monitor, Rollup
from aviso.status.choices import ComponentStatus
from aviso.status.uptime import Day, Uptime

UTC = zoneinfo.ZoneInfo("UTC")


@dataclass
class DayBar:
    date: dt.date
    up: int = 0
    degraded: int = 0
    down: int = 0

    @property
    def total(self) -> int:
        return self.up + self.degraded + self.down

    @property
    def uptime(self) -> float | None:
        return 100.0 * (self.up + self.degraded) / self.total if self.total else None

    @property
    def worst(self) -> CheckStatus | None:
        if self.down:
            return CheckStatus.DOWN
        if self.degraded:
            return CheckStatus.DEGRADED
        return CheckStatus.UP if self.up else None

    @property
    def css_class(self) -> str:
        return "nodata" if self.worst is None else self.worst.value


def window_percent(days: list[DayBar]) -> float | None:
    total = sum(d.total for d in days)
    return 100.0 * sum(d.up + d.degraded for d in days) / total if total else None


def _window(days: int, zone: zoneinfo.ZoneInfo, now: dt.datetime | None):
    today = (now or timezone.now()).astimezone(zone).date()
    dates = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
    return dates, local_day_start(dates[0], zone)


def _bars(rows, key_field: str, keys, dates) -> dict[int, list[DayBar]]:
    by_key: dict[int, dict[dt.date, DayBar]] = defaultdict(dict)
    for row in rows:
        bar = by_key[row[key_field]].setdefault(row["day"], DayBar(row["day"]))
        bar.up += row["n_up"]
        bar.degraded += row["n_degraded"]
        bar.down += row["n_down"]
    return {key: [by_key.get(key, {}).get(day) or DayBar(day) for day in dates] for key in keys}


def monitor_daily_uptime(
    monitor_ids: list[int],
    *,
    days: int = 90,
    zone: zoneinfo.ZoneInfo = UTC,
    now: dt.datetime | None = None,
) -> dict[int, list[DayBar]]:
    """Per monitor id: ``days`` bars, oldest first, today last. One query."""
    dates, start = _window(days, zone, now)
    rows = (
        Rollup.objects.filter(monitor_id__in=monitor_ids, hour__gte=start)
        .annotate(day=TruncDate("hour", tzinfo=zone))
        .values("monitor_id", "day")
        .annotate(n_up=Sum("up"), n_degraded=Sum("degraded"), n_down=Sum("down"))
        .order_by()
    )
    return _bars(rows, "monitor_id", monitor_ids, dates)


def component_daily_uptime(
    component_ids: list[int],
    *,
    days: int = 90,
    zone: zoneinfo.ZoneInfo = UTC,
    now: dt.datetime | None = None,
) -> dict[int, list[DayBar]]:
    """Per component id: its monitors' checks summed by local day. One query.

    A component with no monitors gets bars with no data (``worst`` None), so a
    caller can fall back to the status-history bars for it.
    """
    dates, start = _window(days, zone, now)
    rows = (
        Rollup.objects.filter(monitor__component_id__in=component_ids, hour__gte=start)
        .annotate(day=TruncDate("hour", tzinfo=zone), component_id=F("monitor__component_id"))
        .values("component_id", "day")
        .annotate(n_up=Sum("up"), n_degraded=Sum("degraded"), n_down=Sum("down"))
        .order_by()
    )
    return _bars(rows, "component_id", component_ids, dates)


def period_monitor_uptime(page, start: dt.datetime, end: dt.datetime) -> dict[int, float | None]:
    """Per monitored component of ``page``: the share of its checks in [start, end) that
    passed (degraded counts as up, as on the bars), from the roll-ups. One query."""
    rows = (
        Rollup.objects.filter(monitor__component__page=page, hour__gte=start, hour__lt=end)
        .values(component_id=F("monitor__component_id"))
        .annotate(n_up=Sum("up"), n_degraded=Sum("degraded"), n_down=Sum("down"))
        .order_by()
    )
    result = {}
    for row in rows:
        total = row["n_up"] + row["n_degraded"] + row["n_down"]
        result[row["component_id"]] = (
            100.0 * (row["n_up"] + row["n_degraded"]) / total if total else None
        )
    return result


STATUS_FOR_CHECK = {
    CheckStatus.UP: "operational",
    CheckStatus.DEGRADED: "degraded_performance",
    CheckStatus.DOWN: "major_outage",
}


def page_monitor_uptime(page, *, days: int = 90, now: dt.datetime | None = None) -> dict:
    """The public page's bars from roll-ups, in ``aviso.status.uptime``'s own shapes.

    Per component of ``page`` that has monitors: an ``Uptime`` of ``Day``s (worst
    check mapped to a component status, uptime % of checks). Components without
    monitors are left out, so the caller keeps their status-history bars. Two queries.
    """
    component_ids = list(
        Monitor.objects.filter(component__page=page)
        .values_list("component_id", flat=True)
        .distinct()
        .order_by()
    )
    if not component_ids:
        return {}
    bars = component_daily_uptime(component_ids, days=days, zone=page.zone, now=now)
    result = {}
    for component_id, component_days in bars.items():
        rows = [
            Day(
                bar.date,
                None if bar.worst is None else ComponentStatus(STATUS_FOR_CHECK[bar.worst]),
                bar.uptime,
            )
            for bar in component_days
        ]
        result[component_id] = Uptime(rows, window_percent(component_days))
    return result
