"""Subscriber webhook bodies in Statuspage's shape (see docs/notifications.md).

The timestamps and update objects are the v2 JSON API's own; the incident and
maintenance add the webhook-only fields (postmortem, impact override).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings

from aviso.api.statuspage import (
    incident_status,
    maintenance_update_json,
    timestamp,
    update_json,
)
from aviso.status.derivation import page_state
from aviso.status.models import Component, Incident, Maintenance, Page
from aviso.status.routing import page_address
from aviso.status.showing import shown_components


def page_json(page: Page) -> dict:
    state = page_state(shown_components(page).values_list("status", flat=True))
    return {
        "id": page.code,
        "status_indicator": str(state.indicator),
        "status_description": state.description,
    }


def component_json(component: Component, zone: zoneinfo.ZoneInfo) -> dict:
    return {
        "status": component.status,
        "name": component.name,
        "created_at": timestamp(component.created_at, zone),
        "updated_at": timestamp(component.updated_at, zone),
        "position": component.position,
        "description": component.description or None,
        "showcase": component.showcase,
        "id": component.code,
        "page_id": component.page.code,
        "group_id": component.group.code if component.group_id else None,
    }


def incident_json(incident: Incident) -> dict:
    page = incident.page
    zone = page.zone
    postmortem = getattr(incident, "postmortem", None)
    published = postmortem is not None and postmortem.is_published
    updates = incident.updates.order_by("-display_at", "-id")
    components = Component.objects.filter(incidentcomponent__incident=incident).select_related(
        "group", "page"
    )
    return {
        "name": incident.name,
        "status": incident_status(incident),
        "created_at": timestamp(incident.created_at, zone),
        "updated_at": timestamp(incident.updated_at, zone),
        "monitoring_at": timestamp(incident.monitoring_at, zone),
        "resolved_at": timestamp(incident.resolved_at, zone),
        "impact": incident.impact,
        "shortlink": public_url(page, "status:incident", incident.code),
        "started_at": timestamp(incident.started_at, zone),
        "postmortem_body": postmortem.body if published else None,
        "postmortem_published_at": timestamp(postmortem.published_at, zone) if published else None,
        "scheduled_for": None,
        "scheduled_until": None,
        "impact_override": incident.impact if incident.impact_override else None,
        "id": incident.code,
        "page_id": page.code,
        "incident_updates": [update_json(u, incident.code, zone) for u in updates],
        "components": [component_json(c, zone) for c in components],
    }


def maintenance_json(maintenance: Maintenance) -> dict:
    page = maintenance.page
    zone = page.zone
    return {
        "name": maintenance.name,
        "status": maintenance.status,
        "created_at": timestamp(maintenance.created_at, zone),
        "updated_at": timestamp(maintenance.updated_at, zone),
        "monitoring_at": None,
        "resolved_at": timestamp(maintenance.completed_at, zone),
        "impact": "maintenance",
        "shortlink": public_url(page, "status:maintenance", maintenance.code),
        "started_at": timestamp(maintenance.started_at or maintenance.scheduled_for, zone),
        "scheduled_for": timestamp(maintenance.scheduled_for, zone),
        "scheduled_until": timestamp(maintenance.scheduled_until, zone),
        "id": maintenance.code,
        "page_id": page.code,
        "incident_updates": [
            maintenance_update_json(u, maintenance.code, zone)
            for u in maintenance.updates.order_by("-display_at", "-id")
        ],
        "components": [
            component_json(c, zone) for c in maintenance.components.select_related("group", "page")
        ],
    }


def component_update_json(component: Component, change: dict, at: dt.datetime, ref: str) -> dict:
    zone = component.page.zone
    return {
        "old_status": change["old_status"],
        "new_status": change["new_status"],
        "created_at": timestamp(at, zone),
        "component_type": "Component",
        "id": ref,
        "component_id": component.code,
    }


def base_url(page: Page) -> str:
    """Where this Aviso answers; the page's own address when it has one."""
    return page_address(page)


def public_url(page: Page, name: str, *args: str) -> str:
    from django.urls import reverse

    return base_url(page) + reverse(name, args=args)


def site_url(name: str, *args: str) -> str:
    """A link into Aviso itself (manage, unsubscribe): always the instance's base URL."""
    from django.urls import reverse

    return settings.BASE_URL.rstrip("/") + reverse(name, args=args)
