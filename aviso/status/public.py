"""What the public pages show, built with a fixed number of queries.

Views render these contexts; snapshot publishing renders the same ones.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language

from aviso.lib.dates import month_label
from aviso.lib.timezones import add_months
from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.derivation import page_state
from aviso.status.history import current_month, history_window, recent_notices
from aviso.status.metrics import component_metrics
from aviso.status.models import (
    Component,
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    Page,
)
from aviso.status.reports import PUBLIC_MONTHS, month_report
from aviso.status.showing import page_incidents, page_maintenances, shown_components
from aviso.status.sources import component_sources
from aviso.status.uptime import page_uptime

UPCOMING_MAINTENANCE_DAYS = 14
# Statuspage shows the past fortnight under the components; so do we.
RECENT_DAYS = 14


def _latest_updates_first():
    return Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-id"))


def _shown(page: Page) -> Prefetch:
    """A notice's components as this reader may see them (an audience's reader: theirs)."""
    visible = getattr(page, "visible_component_ids", None)
    if visible is None:
        return Prefetch("components")
    return Prefetch("components", queryset=Component.objects.filter(pk__in=visible))


def status_context(page: Page, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    components = list(shown_components(page).select_related("group"))
    groups = list(ComponentGroup.objects.filter(page=page))
    uptime = page_uptime(page, days=settings.UPTIME_DAYS, now=now)
    sources = component_sources(page)
    metrics = component_metrics(components, now=now)
    for component in components:
        component.uptime = uptime.get(component.pk)
        component.source = sources.get(component.pk, "")
        component.metrics = metrics.get(component.pk)

    sections = []  # [(group or None, [components])] in display order
    by_group: dict[int | None, list[Component]] = {}
    for component in components:
        if component.only_show_if_degraded and component.status == "operational":
            continue
        by_group.setdefault(component.shown_group_id, []).append(component)
    for group in groups:
        if group.pk in by_group:
            members = by_group[group.pk]
            group.status = page_state(c.status for c in members).worst
            sections.append((group, members))
    if None in by_group:
        sections.insert(0, (None, by_group[None]))

    active_incidents = list(
        page_incidents(page)
        .filter(status__in=IncidentStatus.open_values())
        .prefetch_related(_latest_updates_first(), _shown(page))
        .order_by("-started_at")
    )
    maintenances = list(
        page_maintenances(page)
        .filter(
            status__in=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()],
            scheduled_for__lt=now + dt.timedelta(days=UPCOMING_MAINTENANCE_DAYS),
        )
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
            _shown(page),
        )
        .order_by("scheduled_for")
    )
    return {
        "page": page,
        "state": page_state(c.status for c in components),
        "sections": sections,
        "active_incidents": active_incidents,
        "active_maintenances": [m for m in maintenances if m.is_active],
        "upcoming_maintenances": [m for m in maintenances if not m.is_active],
        "uptime_days": settings.UPTIME_DAYS,
        "recent": recent_notices(page, days=RECENT_DAYS, now=now),
        "recent_days": RECENT_DAYS,
    }


def history_context(page: Page, through: tuple[int, int] | None, *, now=None) -> dict:
    return {"page": page, "window": history_window(page, through, now=now)}


def uptime_context(page: Page, month: tuple[int, int], *, now=None) -> dict | None:
    """The public uptime report of one month; None for a month not begun."""
    report = month_report(page, *month, now=now, public=True)
    if report is None:
        return None
    language = get_language()
    oldest = add_months(*current_month(page, now), -(PUBLIC_MONTHS - 1))
    if (report.year, report.month) < oldest:
        return None
    previous = report.previous if report.previous >= oldest else None
    return {
        "page": page,
        "report": report,
        "month_label": month_label(report.year, report.month, language),
        "previous": _month_key(previous) if previous else None,
        "previous_label": month_label(*previous, language) if previous else "",
        "next": _month_key(report.next) if report.next else None,
        "next_label": month_label(*report.next, language) if report.next else "",
    }


def _month_key(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def incident_context(page: Page, code: str) -> dict | None:
    incident = (
        page_incidents(page)
        .filter(code=code)
        .select_related("postmortem")
        .prefetch_related(_latest_updates_first(), _shown(page))
        .first()
    )
    return None if incident is None else {"page": page, "incident": incident}


def maintenance_context(page: Page, code: str) -> dict | None:
    maintenance = (
        page_maintenances(page)
        .filter(code=code)
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
            _shown(page),
        )
        .first()
    )
    return None if maintenance is None else {"page": page, "maintenance": maintenance}
