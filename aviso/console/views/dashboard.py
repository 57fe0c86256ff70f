"""The first screen: the page's state, what is open, components, recent changes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from aviso.console.roles import Role, console_view, has_role
from aviso.console.views.common import with_page
from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.derivation import page_state
from aviso.status.models import AuditEntry, Component, Incident, Maintenance, Page

RECENT_AUDIT = 20


@console_view(Role.VIEWER)
@require_safe
@with_page
def dashboard(request: HttpRequest, page: Page) -> HttpResponse:
    components = list(Component.objects.filter(page=page).select_related("group"))
    return render(
        request,
        "console/dashboard.html",
        {
            "page": page,
            "state": page_state(c.status for c in components),
            "components": components,
            "incidents": Incident.objects.filter(
                page=page, status__in=IncidentStatus.open_values()
            ).prefetch_related("components"),
            "maintenances": Maintenance.objects.filter(
                page=page,
                status__in=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()],
            ).order_by("scheduled_for"),
            "audit": AuditEntry.objects.select_related("actor")[:RECENT_AUDIT],
            "can_edit": has_role(request.user, Role.RESPONDER),
        },
    )
