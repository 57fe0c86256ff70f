"""What the public pages show, built with a fixed number of queries.

Views render these contexts; snapshot publishing renders the same ones.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.derivation import page_state
from aviso.status.history import history_window, recent_notices
from aviso.status.models import (
    Component,
    ComponentGroup,
    IncidentUpdate,
    MaintenanceUpdate,
    Page,
)
from aviso.status.showing import page_incidents, page_maintenances, shown_components
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
    for component in components:
        component.uptime = uptime.get(component.pk)

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
