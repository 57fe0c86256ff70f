"""Uptime from the component status history: daily bars and percentages.

Components with monitors also get the monitors' hourly roll-ups (registered
by the monitors app): a day shows the worse of the two.

Downtime weights follow Statuspage's convention: a major outage counts in full,
a partial outage as 30 % of its time, degraded performance and maintenance not
at all (a planned window is not an outage). A day's colour is its worst status.
Three queries for a whole page, whatever its history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import get_language

from aviso.lib.dates import decimal_label
from aviso.lib.timezones import local_day_start
from aviso.status.choices import ComponentStatus
from aviso.status.models import ComponentStatusChange, IncidentComponent, Page
from aviso.status.showing import shown_component_ids, shown_components

DOWNTIME_WEIGHT = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
}


@dataclass
class Day:
    date: dt.date
    worst: ComponentStatus | None  # None: the component did not exist yet
    uptime: float | None  # 0..100
    incidents: list[str] = field(default_factory=list)

    @property
    def css_class(self) -> str:
        return "nodata" if self.worst is None else self.worst.value


@dataclass
class Uptime:
    days: list[Day]
    percent: float | None

    @property
    def percent_label(self) -> str:
        return "–" if self.percent is None else decimal_label(self.percent, get_language())


# Other apps (monitors) measure components too; status cannot import them, so
# they register here: fn(page, days=, now=) -> {component_id: Uptime}.
_uptime_sources: list = []


def register_uptime_source(source) -> None:
    if source not in _uptime_sources:
        _uptime_sources.append(source)


def _combine(declared: Uptime, measured: Uptime) -> Uptime:
    """A day is as bad as the worse of what people declared and what checks measured."""
    days = []
    for mine, theirs in zip(declared.days, measured.days, strict=True):
        if theirs.worst is None:
            days.append(mine)
            continue
        if mine.worst is None:
            days.append(Day(mine.date, theirs.worst, theirs.uptime, mine.incidents))
            continue
        worst = max(mine.worst, theirs.worst, key=lambda s: ComponentStatus(s).severity)
        uptime = min(u for u in (mine.uptime, theirs.uptime) if u is not None)
        days.append(Day(mine.date, ComponentStatus(worst), uptime, mine.incidents))
    percents = [p for p in (declared.percent, measured.percent) if p is not None]
    return Uptime(days, min(percents) if percents else None)


def weighted_downtime(intervals: list[tuple[dt.datetime, dt.datetime, str]]) -> float:
    return sum(
        (end - start).total_seconds() * DOWNTIME_WEIGHT.get(ComponentStatus(status), 0.0)
        for start, end, status in intervals
    )


def _intervals(initial: str, changes: list, start: dt.datetime, end: dt.datetime):
    """Split [start, end) into (from, to, status) pieces by the status changes."""
    pieces, status, cursor = [], initial, start
    for change in changes:
        if change.at >= end:
            break
        if change.at > cursor:
            pieces.append((cursor, change.at, status))
            cursor = change.at
        status = change.new_status
    if cursor < end:
        pieces.append((cursor, end, status))
    return pieces


def _split_by_day(pieces, bounds):
    """For each day in ``bounds``, the pieces clipped to it. One pass: both are sorted."""
    index = 0
    for _day, start, end in bounds:
        while index < len(pieces) and pieces[index][1] <= start:
            index += 1
        clipped = []
        cursor = index
        while cursor < len(pieces) and pieces[cursor][0] < end:
            a, b, status = pieces[cursor]
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                clipped.append((lo, hi, status))
            cursor += 1
        yield clipped


def page_uptime(page: Page, *, days: int = 90, now: dt.datetime | None = None) -> dict[int, Uptime]:
    """Per component id: the last ``days`` days (oldest first, today last) and the percentage."""
    now = now or timezone.now()
    zone = page.zone
    today = now.astimezone(zone).date()
    day_list = [today - dt.timedelta(days=days - 1 - i) for i in range(days)]
    window_start = local_day_start(day_list[0], zone)

    before_window = (
        ComponentStatusChange.objects.filter(component=OuterRef("pk"), at__lt=window_start)
        .order_by("-at", "-id")
        .values("new_status")[:1]
    )
    components = list(shown_components(page).annotate(status_at_start=Subquery(before_window)))
    changes_by_component = defaultdict(list)
    for change in ComponentStatusChange.objects.filter(
        component_id__in=shown_component_ids(page), at__gte=window_start, at__lt=now
    ).order_by("at", "id"):
        changes_by_component[change.component_id].append(change)
    incidents_by_day = defaultdict(set)
    for link in IncidentComponent.objects.filter(
        component_id__in=shown_component_ids(page), incident__started_at__gte=window_start
    ).select_related("incident"):
        day = link.incident.started_at.astimezone(zone).date()
        incidents_by_day[(link.component_id, day)].add(link.incident.name)

    bounds = [
        (
            day,
            local_day_start(day, zone),
            min(local_day_start(day + dt.timedelta(days=1), zone), now),
        )
        for day in day_list
    ]
    result = {}
    for component in components:
        changes = changes_by_component[component.pk]
        if component.status_at_start is not None:
            initial = component.status_at_start
        elif changes:
            initial = changes[0].old_status
        else:
            initial = component.status
        born = component.created_at
        if component.start_date:
            born = min(born, local_day_start(component.start_date, zone))
        pieces = _intervals(initial, changes, max(window_start, born), now)
        day_rows, total, down = [], 0.0, 0.0
        for (day, _start, _end), in_day in zip(bounds, _split_by_day(pieces, bounds), strict=True):
            if not in_day:
                day_rows.append(Day(day, None, None))
                continue
            seconds = sum((b - a).total_seconds() for a, b, _ in in_day)
            lost = weighted_downtime(in_day)
            total += seconds
            down += lost
            worst = max((ComponentStatus(s) for _, _, s in in_day), key=lambda s: s.severity)
            day_rows.append(
                Day(
                    day,
                    worst,
                    100.0 * (1 - lost / seconds) if seconds else 100.0,
                    sorted(incidents_by_day.get((component.pk, day), ())),
                )
            )
        percent = 100.0 * (1 - down / total) if total else None
        result[component.pk] = Uptime(day_rows, percent)
    for source in _uptime_sources:
        for component_id, measured in source(page, days=days, now=now).items():
            if component_id in result:
                result[component_id] = _combine(result[component_id], measured)
    return result
