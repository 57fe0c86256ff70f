"""Incidents, their updates, scheduled maintenances (incidents with a window) and templates.

Statuspage keeps maintenances as incidents with ``scheduled_for``; Aviso keeps
them apart. An id is looked up among both, and a write whose status is a
maintenance status (scheduled, in_progress, verifying, completed) is a
maintenance's.
"""

from __future__ import annotations

import datetime as dt
import heapq

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from aviso.api.choices import TokenScope
from aviso.api.v1 import shapes
from aviso.api.v1.http import (
    V1Error,
    actor,
    boolean,
    id_list,
    not_found,
    ok,
    page_of,
    paged,
    pagination,
    resource,
    status_map,
    string,
    valid_id,
    wrapped,
)
from aviso.console import incident_templates
from aviso.console.models import IncidentTemplate
from aviso.status import lifecycle
from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.models import Incident, Maintenance, Page

READ, WRITE = TokenScope.READ, TokenScope.WRITE
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical"}


def _when(data: dict, field: str, page: Page) -> dt.datetime | None:
    value = string(data, field)
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise V1Error(422, f"{field} must be an ISO 8601 time.")
        moment = dt.datetime.combine(day, dt.time(0))
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=page.zone)  # a time without offset is the page's
    return moment


def find(page: Page, incident_id: str) -> Incident | Maintenance:
    if valid_id(incident_id):
        incident = (
            Incident.objects.filter(page=page, code=incident_id)
            .select_related("postmortem")
            .first()
        )
        if incident is not None:
            return incident
        maintenance = Maintenance.objects.filter(page=page, code=incident_id).first()
        if maintenance is not None:
            return maintenance
    raise not_found("incident")


def _affected(page: Page, data: dict) -> dict[str, str] | None:
    """``components`` (id -> status) plus ``component_ids`` named without a status.

    A component listed only in ``component_ids`` is affected and keeps its
    current status, as on Statuspage.
    """
    statuses = status_map(data)
    ids = id_list(data, "component_ids")
    if statuses is None and ids is None:
        return None
    result = dict(statuses or {})
    missing = [i for i in ids or [] if i not in result]
    if missing:
        current = dict(page.components.filter(code__in=missing).values_list("code", "status"))
        unknown = [i for i in missing if i not in current]
        if unknown:
            raise V1Error(422, f"component_ids: unknown component ids: {', '.join(unknown)}")
        result |= current
    return result


def _impact(data: dict) -> str | None:
    impact = string(data, "impact_override")
    if impact in (None, ""):
        return None
    if impact not in IMPACTS:
        raise V1Error(422, f"impact_override must be one of {', '.join(sorted(IMPACTS))}.")
    return impact


# Lists


def _merged(request: HttpRequest, incidents, maintenances) -> list:
    """Incidents and maintenances newest first, one page of them, without loading either table."""
    offset, size = pagination(request)
    head = offset + size
    newest = heapq.merge(
        incidents.order_by("-created_at", "-id")[:head],
        maintenances.order_by("-created_at", "-id")[:head],
        key=lambda item: item.created_at,
        reverse=True,
    )
    return list(newest)[offset:head]


def _answer(page: Page, items: list) -> HttpResponse:
    incidents = [i for i in items if isinstance(i, Incident)]
    maintenances = [m for m in items if isinstance(m, Maintenance)]
    objects = {
        d["id"]: d
        for d in shapes.incident_list(page, incidents) + shapes.maintenance_list(page, maintenances)
    }
    return ok([objects[item.code] for item in items])


def list_incidents(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    incidents = Incident.objects.filter(page=page).select_related("postmortem")
    maintenances = Maintenance.objects.filter(page=page).exclude(status=MaintenanceStatus.CANCELLED)
    query = (request.GET.get("q") or "").strip()
    if query:
        incidents = incidents.filter(Q(name__icontains=query) | Q(updates__body__icontains=query))
        incidents = incidents.distinct()
        maintenances = maintenances.filter(
            Q(name__icontains=query) | Q(updates__body__icontains=query)
        ).distinct()
    return _answer(page, _merged(request, incidents, maintenances))


def unresolved(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    incidents = (
        Incident.objects.filter(page=page, status__in=IncidentStatus.open_values())
        .select_related("postmortem")
        .order_by("-created_at", "-id")
    )
    return _answer(page, paged(request, incidents))


def _maintenances(request: HttpRequest, page_id: str, statuses: list[str]) -> HttpResponse:
    page = page_of(page_id)
    rows = Maintenance.objects.filter(page=page, status__in=statuses).order_by(
        "scheduled_for", "id"
    )
    return _answer(page, paged(request, rows))


def scheduled(request: HttpRequest, page_id: str) -> HttpResponse:
    return _maintenances(request, page_id, [MaintenanceStatus.SCHEDULED])


def upcoming(request: HttpRequest, page_id: str) -> HttpResponse:
    return _maintenances(request, page_id, [MaintenanceStatus.SCHEDULED])


def active_maintenance(request: HttpRequest, page_id: str) -> HttpResponse:
    return _maintenances(request, page_id, MaintenanceStatus.active_values())


# Creating


def _create_maintenance(request: HttpRequest, page: Page, data: dict, status: str):
    scheduled_for = _when(data, "scheduled_for", page)
    scheduled_until = _when(data, "scheduled_until", page)
    if scheduled_for is None or scheduled_until is None:
        raise V1Error(422, "scheduled_for and scheduled_until are required for a maintenance.")
    if status not in ("scheduled", "in_progress"):
        raise V1Error(422, "A new maintenance is scheduled or in_progress.")
    affected = _affected(page, data) or {}
    auto_start = bool(
        boolean(data, "scheduled_auto_in_progress")
        or boolean(data, "auto_transition_to_maintenance_state")
    )
    auto_complete = bool(
        boolean(data, "scheduled_auto_completed")
        or boolean(data, "auto_transition_to_operational_state")
    )
    notify = boolean(data, "deliver_notifications", True)
    maintenance = lifecycle.schedule_maintenance(
        page,
        actor=actor(request),
        name=string(data, "name") or "",
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        body=string(data, "body") or "",
        components=list(affected),
        auto_start=auto_start,
        auto_complete=auto_complete,
        notify=notify,
    )
    if status == "in_progress":
        maintenance = lifecycle.start_maintenance(maintenance, actor=actor(request), notify=notify)
    return maintenance


def create_incident(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "incident")
    if not string(data, "name"):
        raise V1Error(422, "name: can't be blank")
    status = string(data, "status") or ("scheduled" if data.get("scheduled_for") else "")
    if status in MAINTENANCE_STATUSES:
        item = _create_maintenance(request, page, data, status)
        return ok(shapes.incident_object(page, item), 201)
    notify = boolean(data, "deliver_notifications", True)
    started_at = None
    if boolean(data, "backfilled"):
        # A past incident written down afterwards: resolved, and nobody is told.
        started_at = _when(data, "backfill_date", page) or timezone.now()
        status, notify = IncidentStatus.RESOLVED, False
    incident = lifecycle.create_incident(
        page,
        actor=actor(request),
        name=string(data, "name"),
        status=status or IncidentStatus.INVESTIGATING,
        body=string(data, "body") or "",
        impact=_impact(data),
        components=_affected(page, data),
        started_at=started_at,
        notify=notify,
    )
    return ok(shapes.incident_object(page, incident), 201)


# One incident


def get_incident(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(shapes.incident_object(page, find(page, incident_id)))


def _update_incident(request: HttpRequest, page: Page, incident: Incident, data: dict) -> None:
    name = string(data, "name")
    if name is not None:
        incident = lifecycle.rename_incident(incident, actor=actor(request), name=name)
    status = string(data, "status")
    if status in MAINTENANCE_STATUSES:
        raise V1Error(422, f"status: {status} is a maintenance status; this is an incident.")
    components = _affected(page, data)
    impact = _impact(data)
    body = string(data, "body")
    if status or body is not None or components is not None or impact is not None:
        lifecycle.post_update(
            incident,
            actor=actor(request),
            status=status or incident.status,
            body=body or "",
            components=components,
            impact=impact,
            notify=boolean(data, "deliver_notifications", True),
        )


def _update_maintenance(request: HttpRequest, page: Page, item: Maintenance, data: dict) -> None:
    who = actor(request)
    details: dict = {}
    if "name" in data:
        details["name"] = string(data, "name") or ""
    for field in ("scheduled_for", "scheduled_until"):
        if field in data:
            details[field] = _when(data, field, page)
    affected = _affected(page, data)
    if affected is not None:
        details["components"] = list(affected)
    for field, ours in (
        ("scheduled_auto_in_progress", "auto_start"),
        ("auto_transition_to_maintenance_state", "auto_start"),
        ("scheduled_auto_completed", "auto_complete"),
        ("auto_transition_to_operational_state", "auto_complete"),
    ):
        if field in data:
            details[ours] = bool(boolean(data, field))
    if details:
        item = lifecycle.update_maintenance(item, actor=who, **details)
    status = string(data, "status")
    body = string(data, "body") or ""
    notify = boolean(data, "deliver_notifications", True)
    if status in (None, "") and not body:
        return
    status = status or item.status
    if status not in MAINTENANCE_STATUSES:
        raise V1Error(422, f"status: {status} is an incident status; this is a maintenance.")
    if status == MaintenanceStatus.COMPLETED:
        lifecycle.complete_maintenance(item, actor=who, body=body, notify=notify)
    elif status == MaintenanceStatus.IN_PROGRESS and item.status == MaintenanceStatus.SCHEDULED:
        lifecycle.start_maintenance(item, actor=who, body=body, notify=notify)
    elif status == MaintenanceStatus.SCHEDULED:
        if item.status != MaintenanceStatus.SCHEDULED:
            raise V1Error(422, "status: a started maintenance cannot be scheduled again.")
        if body:
            raise V1Error(422, "body: Aviso posts no update on a maintenance not yet started.")
    else:
        lifecycle.post_maintenance_update(item, actor=who, status=status, body=body, notify=notify)


def update_incident(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    item = find(page, incident_id)
    data = wrapped(request, "incident")
    if isinstance(item, Maintenance):
        _update_maintenance(request, page, item, data)
    else:
        _update_incident(request, page, item, data)
    return ok(shapes.incident_object(page, find(page, incident_id)))


def delete_incident(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    """Statuspage answers with what was deleted. A maintenance is cancelled (Aviso keeps it)."""
    page = page_of(page_id)
    item = find(page, incident_id)
    if isinstance(item, Maintenance):
        lifecycle.cancel_maintenance(item, actor=actor(request))
        return ok(shapes.incident_object(page, find(page, incident_id)))
    answer = shapes.incident_object(page, item)
    lifecycle.delete_incident(item, actor=actor(request))
    return ok(answer)


def update_incident_update(
    request: HttpRequest, page_id: str, incident_id: str, update_id: str
) -> HttpResponse:
    page = page_of(page_id)
    item = find(page, incident_id)
    if isinstance(item, Maintenance):
        raise V1Error(501, "Aviso does not support editing a maintenance's updates.")
    update = item.updates.filter(code=update_id).first() if valid_id(update_id) else None
    if update is None:
        raise not_found("incident update")
    data = wrapped(request, "incident_update")
    body = string(data, "body")
    display_at = _when(data, "display_at", page)
    if body is not None or display_at is not None:
        update = lifecycle.edit_update(
            update, actor=actor(request), body=body or update.body, display_at=display_at
        )
    answer = shapes.incident_object(page, item)
    return ok(next(u for u in answer["incident_updates"] if u["id"] == update.code))


incidents = resource({"GET": (READ, list_incidents), "POST": (WRITE, create_incident)})
incidents_unresolved = resource({"GET": (READ, unresolved)})
incidents_scheduled = resource({"GET": (READ, scheduled)})
incidents_upcoming = resource({"GET": (READ, upcoming)})
incidents_active_maintenance = resource({"GET": (READ, active_maintenance)})
incident = resource(
    {
        "GET": (READ, get_incident),
        "PATCH": (WRITE, update_incident),
        "PUT": (WRITE, update_incident),
        "DELETE": (WRITE, delete_incident),
    }
)
incident_update = resource(
    {"PATCH": (WRITE, update_incident_update), "PUT": (WRITE, update_incident_update)}
)


# Incident templates


def list_templates(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    components = shapes.Components(page)
    rows = paged(request, IncidentTemplate.objects.filter(page=page).order_by("name", "id"))
    return ok([shapes.template_object(page, t, components) for t in rows])


def create_template(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "template")
    status = string(data, "update_status") or IncidentStatus.INVESTIGATING
    # Statuspage's templates name components without statuses; Aviso's carry one
    # each. A ``components`` map (as on incidents) gives them; else major_outage.
    components = status_map(data) or {}
    for code in id_list(data, "component_ids") or []:
        components.setdefault(code, "major_outage")
    template = incident_templates.save_template(
        page,
        actor=actor(request),
        name=string(data, "name") or "",
        title=string(data, "title") or "",
        body=string(data, "body") or "",
        status=status,
        components=components,
    )
    return ok(shapes.template_object(page, template), 201)


templates = resource({"GET": (READ, list_templates), "POST": (WRITE, create_template)})
