"""Monthly uptime reports: per component, its uptime, incidents, time to detect and resolve.

Uptime follows ``status.uptime``: the status history weighted as Statuspage
does (major outage in full, partial 30 %), and, for components with monitors,
the worse of that and the share of checks that passed (a source the monitors
app registers). The month is the page's time zone's; the current month counts
up to now.

Time to detect is how long an incident was under way before it was opened
(``created_at - started_at``: detection sets ``started_at`` to the first failed
check, a person to when it began); time to resolve, from its start to its
resolution. Both are means over the component's incidents that started in
the month (only the resolved ones for time to resolve). Five queries for a
whole page, whatever its history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from aviso.lib.timezones import add_months, month_bounds
from aviso.status.history import current_month
from aviso.status.models import Component, ComponentStatusChange, IncidentComponent, Page
from aviso.status.uptime import _intervals, weighted_downtime

# The public report goes back this many months (the snapshots hold them all); older
# months are the console's.
PUBLIC_MONTHS = 12

# fn(page, start, end) -> {component_id: uptime percent or None}: checks measured there.
_period_sources: list = []


def register_period_source(source) -> None:
    if source not in _period_sources:
        _period_sources.append(source)


@dataclass
class IncidentFigures:
    code: str
    name: str
    started_at: dt.datetime
    detect: dt.timedelta
    resolve: dt.timedelta | None  # None: not resolved yet


@dataclass
class ComponentMonth:
    component: Component
    uptime: float | None  # None: the component did not exist in the month
    downtime: dt.timedelta  # weighted, from the status history
    incidents: list[IncidentFigures] = field(default_factory=list)

    @property
    def time_to_detect(self) -> dt.timedelta | None:
        return _mean([i.detect for i in self.incidents])

    @property
    def time_to_resolve(self) -> dt.timedelta | None:
        return _mean([i.resolve for i in self.incidents if i.resolve is not None])


@dataclass
class MonthReport:
    page: Page
    year: int
    month: int
    start: dt.datetime
    end: dt.datetime  # the month's end, or now for the current month
    rows: list[ComponentMonth]
    previous: tuple[int, int]
    next: tuple[int, int] | None  # None: this is the current month

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _mean(values: list[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    return sum(values, dt.timedelta()) / len(values)


def month_report(
    page: Page,
    year: int,
    month: int,
    *,
    now: dt.datetime | None = None,
    public: bool = False,
) -> MonthReport | None:
    """The report of ``year``-``month`` (None for a month that has not begun).

    ``public``: only the components the public page shows uptime for (``showcase``).
    """
    now = now or timezone.now()
    start, month_end = month_bounds(year, month, page.zone)
    if start > now:
        return None
    end = min(month_end, now)
    status_at_start = (
        ComponentStatusChange.objects.filter(component=OuterRef("pk"), at__lt=start)
        .order_by("-at", "-id")
        .values("new_status")[:1]
    )
    # A month with no change of its own, before the first change ever recorded: the
    # component was then in the state that first later change moved it out of (not
    # in its status of today, which a component down now would spread over the past).
    status_until_later = (
        ComponentStatusChange.objects.filter(component=OuterRef("pk"), at__gte=end)
        .order_by("at", "id")
        .values("old_status")[:1]
    )
    components = Component.objects.filter(page=page).annotate(
        status_at_start=Subquery(status_at_start),
        status_until_later=Subquery(status_until_later),
    )
    if public:
        components = components.filter(showcase=True)
    # As the public page lists them: ungrouped first, then group by group.
    components = list(
        components.select_related("group").order_by(
            F("group__position").asc(nulls_first=True), "group_id", "position", "id"
        )
    )
    changes = defaultdict(list)
    for change in ComponentStatusChange.objects.filter(
        component__page=page, at__gte=start, at__lt=end
    ).order_by("at", "id"):
        changes[change.component_id].append(change)
    incidents = defaultdict(list)
    links = (
        IncidentComponent.objects.filter(
            incident__page=page, incident__started_at__gte=start, incident__started_at__lt=end
        )
        .select_related("incident")
        .order_by("incident__started_at", "incident_id")
    )
    for link in links:
        incident = link.incident
        incidents[link.component_id].append(
            IncidentFigures(
                incident.code,
                incident.name,
                incident.started_at,
                max(incident.created_at - incident.started_at, dt.timedelta()),
                incident.resolved_at - incident.started_at if incident.resolved_at else None,
            )
        )
    measured: dict[int, float | None] = {}
    for source in _period_sources:
        for component_id, percent in source(page, start, end).items():
            if percent is not None:
                known = measured.get(component_id)
                measured[component_id] = percent if known is None else min(known, percent)
    rows = [
        _row(c, changes[c.pk], incidents[c.pk], measured.get(c.pk), start, end, page)
        for c in components
    ]
    present = current_month(page, now)
    following = add_months(year, month, 1)
    return MonthReport(
        page, year, month, start, end, rows,
        previous=add_months(year, month, -1),
        next=None if (year, month) >= present else following,
    )  # fmt: skip


def _row(component, changes, incidents, measured, start, end, page) -> ComponentMonth:
    born = component.created_at
    if component.start_date:
        born = min(born, dt.datetime.combine(component.start_date, dt.time(), tzinfo=page.zone))
    if born >= end:
        return ComponentMonth(component, None, dt.timedelta(), incidents)
    if component.status_at_start is not None:
        initial = component.status_at_start
    elif changes:
        initial = changes[0].old_status
    elif component.status_until_later is not None:
        initial = component.status_until_later
    else:
        initial = component.status
    pieces = _intervals(initial, changes, max(start, born), end)
    seconds = sum((b - a).total_seconds() for a, b, _ in pieces)
    lost = weighted_downtime(pieces)
    uptime = 100.0 * (1 - lost / seconds) if seconds else None
    if measured is not None:
        uptime = measured if uptime is None else min(uptime, measured)
    return ComponentMonth(component, uptime, dt.timedelta(seconds=lost), incidents)
