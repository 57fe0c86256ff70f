"""What an outbox event says: the notice data captured once, when the event is handled.

Deliveries render from this snapshot, so a retry an hour later says what was
true when the event happened, and 100,000 deliveries share one row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from aviso.lib.languages import page_languages
from aviso.lib.timezones import utc_offset_label
from aviso.notify.choices import AlertKind, NoticeKind, SubscriberKind
from aviso.notify.statuspage import (
    base_url,
    component_json,
    component_update_json,
    incident_json,
    maintenance_json,
    page_json,
    public_url,
)
from aviso.status.choices import ComponentStatus, EventKind
from aviso.status.models import Component, Event, IncidentComponent, Page

INCIDENT_EVENTS = {
    EventKind.INCIDENT_CREATED: AlertKind.INCIDENT_OPENED,
    EventKind.INCIDENT_UPDATED: AlertKind.INCIDENT_UPDATED,
    EventKind.INCIDENT_RESOLVED: AlertKind.INCIDENT_RESOLVED,
}
MAINTENANCE_EVENTS = {
    EventKind.MAINTENANCE_SCHEDULED: None,
    EventKind.MAINTENANCE_STARTED: AlertKind.MAINTENANCE_STARTED,
    EventKind.MAINTENANCE_UPDATED: None,
    EventKind.MAINTENANCE_COMPLETED: AlertKind.MAINTENANCE_ENDED,
    EventKind.MAINTENANCE_CANCELLED: None,
}
BOTH = (SubscriberKind.EMAIL, SubscriberKind.WEBHOOK)
# Every update reaches these; SMS only the opening and the resolution, as on Statuspage.
PUBLIC = (*BOTH, SubscriberKind.SLACK, SubscriberKind.TEAMS)
SMS_EVENTS = {EventKind.INCIDENT_CREATED, EventKind.INCIDENT_RESOLVED}


def local_time(moment: dt.datetime | None, page: Page) -> str:
    """The seed's way of writing a time: ``2026-06-30 16:30 (GMT-5)``."""
    if moment is None:
        return ""
    local = moment.astimezone(page.zone)
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset_label(local)})"


def page_data(page: Page) -> dict:
    return {"name": page.name, "code": page.code, "url": base_url(page) + "/"}


def component_list(components) -> list[dict]:
    return [{"code": c.code, "name": c.display_name, "status": c.status} for c in components]


class Plan:
    """Who hears of one event: subscriber kinds, the operator alert kind, component scope."""

    def __init__(
        self,
        notice_kind: NoticeKind,
        subscriber_kinds: tuple[str, ...],
        alert: AlertKind | None,
        component_ids: list[int],
    ) -> None:
        self.notice_kind = notice_kind
        self.subscriber_kinds = subscriber_kinds
        self.alert = alert
        self.component_ids = component_ids


def plan_for(event: Event) -> Plan | None:
    """None when nobody hears of this event (edits, deletions, page settings)."""
    kind = EventKind(event.kind)
    if event.historical:
        return None  # an imported or restored past: nobody is told of it again
    public = PUBLIC if event.notify else ()
    if kind == EventKind.OUTBOX_DEAD:
        # Work the worker gave up on: operators only, on channels not scoped to components.
        return Plan(NoticeKind.OUTBOX_DEAD, (), AlertKind.OUTBOX_DEAD, [])
    if kind in INCIDENT_EVENTS and event.incident_id:
        ids = list(
            IncidentComponent.objects.filter(incident_id=event.incident_id).values_list(
                "component_id", flat=True
            )
        )
        kinds = (*public, SubscriberKind.SMS) if public and kind in SMS_EVENTS else public
        return Plan(NoticeKind.INCIDENT, kinds, INCIDENT_EVENTS[kind], ids)
    if kind == EventKind.POSTMORTEM_PUBLISHED and event.incident_id:
        ids = list(
            IncidentComponent.objects.filter(incident_id=event.incident_id).values_list(
                "component_id", flat=True
            )
        )
        return Plan(NoticeKind.POSTMORTEM, public, AlertKind.POSTMORTEM_PUBLISHED, ids)
    if kind in MAINTENANCE_EVENTS and event.maintenance_id:
        ids = list(event.maintenance.components.values_list("id", flat=True))
        return Plan(NoticeKind.MAINTENANCE, public, MAINTENANCE_EVENTS[kind], ids)
    if kind == EventKind.OPERATOR_ALERT and event.component_id:
        # Automation saw trouble it was told not to announce: operators only.
        changes = event.payload.get("component_changes") or [{}]
        up = changes[0].get("new_status") == ComponentStatus.OPERATIONAL
        alert = AlertKind.COMPONENT_UP if up else AlertKind.COMPONENT_DOWN
        return Plan(NoticeKind.COMPONENT, (), alert, [event.component_id])
    if kind == EventKind.COMPONENT_STATUS_CHANGED and event.component_id:
        new_status = event.component.status
        changes = event.payload.get("component_changes") or []
        if changes:
            new_status = changes[0]["new_status"]
        if new_status == ComponentStatus.OPERATIONAL:
            alert = AlertKind.COMPONENT_UP
        elif new_status == ComponentStatus.UNDER_MAINTENANCE:
            alert = None
        else:
            alert = AlertKind.COMPONENT_DOWN
        # Statuspage sends component updates to webhook subscribers; email waits for incidents.
        webhooks = (SubscriberKind.WEBHOOK,) if event.notify else ()
        return Plan(NoticeKind.COMPONENT, webhooks, alert, [event.component_id])
    return None


def notice_data(event: Event, notice_kind: NoticeKind) -> dict:
    page = event.page
    data: dict = {
        "page": page_data(page),
        "event_kind": event.kind,
        "actor_kind": event.actor_kind,
        "at": event.at.isoformat(),
        "at_local": local_time(event.at, page),
        "changes": event.payload.get("component_changes") or [],
        "page_status": page_json(page),
        # For each subscriber's own language: the page's languages (first = ``body``'s) and zone.
        "languages": page_languages(page.languages),
        "time_zone": page.time_zone,
    }
    if notice_kind in (NoticeKind.INCIDENT, NoticeKind.POSTMORTEM):
        incident = event.incident
        if incident.page_id == page.pk:
            incident.page = page  # the same row, already read (and its ``is_first`` with it)
        update = event.incident_update or incident.updates.order_by("-display_at", "-id").first()
        components = Component.objects.filter(incidentcomponent__incident=incident)
        data |= {
            "title": incident.name,
            "code": incident.code,
            # The status this event announced, not whatever the incident says by now.
            "status": update.status if update else incident.status,
            "impact": incident.impact,
            "body": update.body if update else "",
            "bodies": update.bodies if update else {},
            "url": public_url(page, "status:incident", incident.code),
            "components": component_list(components.select_related("group")),
            "webhook": {"page": data["page_status"], "incident": incident_json(incident)},
            # Automation's technical detail (a check's message): operator alerts show it,
            # nothing a subscriber receives does (aviso.notify.messages).
            "operator_detail": event.payload.get("detail", ""),
        }
        if notice_kind == NoticeKind.POSTMORTEM:
            data["body"], data["bodies"] = incident.postmortem.body, {}
    elif notice_kind == NoticeKind.MAINTENANCE:
        maintenance = event.maintenance
        if maintenance.page_id == page.pk:
            maintenance.page = page
        update = (
            maintenance.updates.filter(display_at__lte=event.at)
            .order_by("-display_at", "-id")
            .first()
        )
        data |= {
            "title": maintenance.name,
            "code": maintenance.code,
            "status": update.status if update else maintenance.status,
            "body": update.body if update else "",
            "bodies": update.bodies if update else {},
            "url": public_url(page, "status:maintenance", maintenance.code),
            "scheduled_for": local_time(maintenance.scheduled_for, page),
            "scheduled_until": local_time(maintenance.scheduled_until, page),
            "components": component_list(maintenance.components.select_related("group")),
            "webhook": {"page": data["page_status"], "incident": maintenance_json(maintenance)},
        }
    elif notice_kind == NoticeKind.OUTBOX_DEAD:
        data |= {
            "title": f"{event.payload.get('event_kind', '')} #{event.payload.get('event_id', '')}",
            "status": "",
            "body": event.payload.get("detail", ""),
            "url": settings.BASE_URL.rstrip("/") + "/console/outbox/",
            "components": [],
        }
    elif notice_kind == NoticeKind.COMPONENT:
        component = Component.objects.select_related("group", "page").get(pk=event.component_id)
        change = (data["changes"] or [{"old_status": "", "new_status": component.status}])[0]
        data |= {
            "title": component.display_name,
            "code": component.code,
            "status": change["new_status"],
            "old_status": change["old_status"],
            "body": event.payload.get("detail", ""),
            "url": base_url(page) + "/",
            "components": component_list([component]),
            "webhook": {
                "page": data["page_status"],
                "component_update": component_update_json(
                    component, change, event.at, f"ev{event.pk}"
                ),
                "component": component_json(component, page.zone),
            },
        }
    return data
