"""Declaring, updating, resolving and editing incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.lib.languages import page_languages
from aviso.status.choices import (
    ActorKind,
    ComponentStatus,
    EventKind,
    IncidentImpact,
    IncidentStatus,
)
from aviso.status.derivation import IMPACT_ORDER, impact_from_components
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.components import apply_status, resting_status
from aviso.status.lifecycle.errors import ConflictError, LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.lifecycle.validation import clean_bodies, clean_body, clean_choice, clean_name
from aviso.status.models import Component, Incident, IncidentComponent, IncidentUpdate, Page

# What an update says when its author leaves the body empty (the seed's wording).
DEFAULT_BODIES = {
    IncidentStatus.INVESTIGATING: "We are currently investigating this incident.",
    IncidentStatus.IDENTIFIED: "We are working on a fix for this incident.",
    IncidentStatus.MONITORING: "We implemented a fix and are currently monitoring the result.",
    IncidentStatus.RESOLVED: "This incident has been resolved.",
}

# Components by object or by code, each with the status the incident gives it.
ComponentStatuses = Mapping[Component | str, str]

INCIDENT_AUDIT_FIELDS = ["name", "status", "impact", "started_at", "resolved_at", "version"]
MAX_DETAIL_CHARS = 2000


def _detail(detail: str) -> dict:
    """The operators' detail for the audit entry and the event (notify shows it to
    alert channels only); nothing when there is none."""
    return {"detail": detail[:MAX_DETAIL_CHARS]} if detail else {}


def _resolve_components(
    page: Page, components: ComponentStatuses | None
) -> dict[Component, ComponentStatus]:
    if not components:
        return {}
    codes = [c for c in components if isinstance(c, str)]
    by_code = {c.code: c for c in page.components.select_related("group").filter(code__in=codes)}
    resolved: dict[Component, ComponentStatus] = {}
    for key, status in components.items():
        component = by_code.get(key) if isinstance(key, str) else key
        if component is None or component.page_id != page.pk:
            raise LifecycleError({"components": _("Unknown component: %(c)s") % {"c": key}})
        resolved[component] = clean_choice(status, ComponentStatus, "components")
    return resolved


def _check_times(started_at: dt.datetime | None, display_at: dt.datetime | None) -> None:
    for field, value in (("started_at", started_at), ("display_at", display_at)):
        if value is not None and timezone.is_naive(value):
            raise LifecycleError({field: _("A time needs a time zone.")})


def _derive_impact(incident: Incident) -> None:
    """Impact follows the components, and keeps its peak.

    Resolving sets the components back to operational; the incident's impact
    stays what it was at its worst (as Statuspage shows a resolved incident),
    unless a person chose one.
    """
    if incident.impact_override:
        return
    statuses = incident.affected.values_list("status", flat=True)
    incident.impact = max(incident.impact, impact_from_components(statuses), key=IMPACT_ORDER.index)


def _lock(incident: Incident, expected_version: int | None) -> Incident:
    locked = (
        Incident.objects.select_for_update(of=("self",)).select_related("page").get(pk=incident.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "This incident changed since you opened it (now %(status)s). "
                "Reload to see the latest update, then try again."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


def _set_components(
    incident: Incident,
    statuses: dict[Component, ComponentStatus],
    *,
    actor: Actor,
    at: dt.datetime,
) -> list[dict]:
    changes = []
    for component, status in statuses.items():
        link, created = IncidentComponent.objects.get_or_create(
            incident=incident,
            component=component,
            defaults={"status": status, "set_by_person": actor.kind == ActorKind.PERSON},
        )
        if not created:
            # Automation never overrides a person's explicit choice on an open incident.
            if link.set_by_person and actor.kind == ActorKind.AUTOMATION:
                continue
            link.status = status
            link.set_by_person = link.set_by_person or actor.kind == ActorKind.PERSON
            link.save(update_fields=["status", "set_by_person"])
        change = apply_status(component, status, actor=actor, at=at, incident=incident)
        if change:
            changes.append(change)
    return changes


def _release_components(
    incident: Incident, keep: dict[Component, ComponentStatus], *, actor: Actor, at: dt.datetime
) -> list[dict]:
    """On resolve: components go back to their resting status unless told otherwise."""
    changes = []
    for link in incident.affected.select_related("component__group"):
        component = link.component
        if component in keep:
            continue
        link.status = ComponentStatus.OPERATIONAL
        link.save(update_fields=["status"])
        change = apply_status(
            component,
            resting_status(component, excluding_incident=incident),
            actor=actor,
            at=at,
            incident=incident,
        )
        if change:
            changes.append(change)
    return changes


@transaction.atomic
def create_incident(
    page: Page,
    *,
    actor: Actor,
    name: str,
    status: str = IncidentStatus.INVESTIGATING,
    body: str = "",
    bodies: dict[str, str] | None = None,
    impact: str | None = None,
    components: ComponentStatuses | None = None,
    started_at: dt.datetime | None = None,
    display_at: dt.datetime | None = None,
    notify: bool = True,
    external_ref: str = "",
    detail: str = "",
) -> Incident:
    """Declare an incident. ``detail`` is for the operators only (a check's message):
    it reaches the audit log and the operator alert, never the public text."""
    name = clean_name(name)
    status = clean_choice(status, IncidentStatus, "status")
    body = clean_body(body) or DEFAULT_BODIES[status]
    bodies = clean_bodies(page_languages(page.languages), bodies)
    impact = clean_choice(impact, IncidentImpact, "impact") if impact else None
    _check_times(started_at, display_at)
    statuses = _resolve_components(page, components)
    now = timezone.now()
    display_at = display_at or started_at or now
    started_at = started_at or display_at

    incident = Incident.objects.create(
        page=page,
        name=name,
        status=status,
        impact=impact or IncidentImpact.NONE,
        impact_override=impact is not None,
        started_at=started_at,
        created_at=display_at,
        updated_at=display_at,
        monitoring_at=display_at if status == IncidentStatus.MONITORING else None,
        resolved_at=display_at if status == IncidentStatus.RESOLVED else None,
        opened_by_kind=actor.kind,
        external_ref=external_ref,
    )
    changes = _set_components(incident, statuses, actor=actor, at=display_at)
    if status == IncidentStatus.RESOLVED:
        changes += _release_components(incident, statuses, actor=actor, at=display_at)
    _derive_impact(incident)
    incident.save(update_fields=["impact"])
    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        bodies=bodies,
        display_at=display_at,
        created_at=display_at,
        updated_at=display_at,
        deliver_notifications=notify,
        affected_components=changes or None,
        author=actor.user,
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
    )
    record(
        actor,
        "incident.create",
        incident,
        page=page,
        before=None,
        after=snapshot(incident, INCIDENT_AUDIT_FIELDS)
        | {"components": changes, "body": body, "bodies": bodies}
        | _detail(detail),
        event=EventKind.INCIDENT_CREATED,
        at=display_at,
        notify=notify,
        incident=incident,
        incident_update=update,
        payload={"component_changes": changes} | _detail(detail),
    )
    return incident


@transaction.atomic
def post_update(
    incident: Incident,
    *,
    actor: Actor,
    status: str,
    body: str = "",
    bodies: dict[str, str] | None = None,
    components: ComponentStatuses | None = None,
    display_at: dt.datetime | None = None,
    notify: bool = True,
    expected_version: int | None = None,
    impact: str | None = None,
    detail: str = "",
) -> IncidentUpdate:
    """Add an update; change component statuses in the same step.

    Resolving sets every affected component back to its resting status unless
    ``components`` says otherwise. Posting a non-resolved status on a resolved
    incident reopens it. ``detail`` is for the operators only, as in
    ``create_incident``.
    """
    status = clean_choice(status, IncidentStatus, "status")
    body = clean_body(body) or DEFAULT_BODIES[status]
    impact = clean_choice(impact, IncidentImpact, "impact") if impact else None
    _check_times(None, display_at)
    incident = _lock(incident, expected_version)
    bodies = clean_bodies(page_languages(incident.page.languages), bodies)
    statuses = _resolve_components(incident.page, components)
    at = display_at or timezone.now()
    before = snapshot(incident, INCIDENT_AUDIT_FIELDS)
    was_open = incident.is_open

    changes = _set_components(incident, statuses, actor=actor, at=at)
    if status == IncidentStatus.RESOLVED:
        changes += _release_components(incident, statuses, actor=actor, at=at)
        incident.resolved_at = incident.resolved_at if not was_open else at
    else:
        incident.resolved_at = None
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
    if impact is not None:
        incident.impact, incident.impact_override = impact, True
    incident.status = status
    incident.updated_at = max(incident.updated_at, at)
    incident.version += 1
    _derive_impact(incident)
    incident.save()

    update = IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        bodies=bodies,
        display_at=at,
        created_at=at,
        updated_at=at,
        deliver_notifications=notify,
        affected_components=changes or None,
        author=actor.user,
        actor_kind=actor.kind,
        actor_label=actor.label[:200],
    )
    if status == IncidentStatus.RESOLVED and was_open:
        event, action = EventKind.INCIDENT_RESOLVED, "incident.resolve"
    elif not was_open and status != IncidentStatus.RESOLVED:
        event, action = EventKind.INCIDENT_UPDATED, "incident.reopen"
    else:
        event, action = EventKind.INCIDENT_UPDATED, "incident.update"
    record(
        actor,
        action,
        incident,
        page=incident.page,
        before=before,
        after=snapshot(incident, INCIDENT_AUDIT_FIELDS)
        | {"components": changes, "body": body, "bodies": bodies}
        | _detail(detail),
        event=event,
        at=at,
        notify=notify,
        incident=incident,
        incident_update=update,
        payload={"component_changes": changes} | _detail(detail),
    )
    return update


def resolve_incident(
    incident: Incident,
    *,
    actor: Actor,
    body: str = "",
    bodies: dict[str, str] | None = None,
    components: ComponentStatuses | None = None,
    display_at: dt.datetime | None = None,
    notify: bool = True,
    expected_version: int | None = None,
    detail: str = "",
) -> IncidentUpdate:
    return post_update(
        incident,
        actor=actor,
        status=IncidentStatus.RESOLVED,
        body=body,
        bodies=bodies,
        components=components,
        display_at=display_at,
        notify=notify,
        expected_version=expected_version,
        detail=detail,
    )


@transaction.atomic
def edit_update(
    update: IncidentUpdate,
    *,
    actor: Actor,
    body: str,
    bodies: dict[str, str] | None = None,
    display_at: dt.datetime | None = None,
) -> IncidentUpdate:
    """Correct an update's words or time. The status it recorded stays history.

    ``bodies`` None keeps the other languages' texts; a map replaces them.
    """
    body = clean_body(body, required=True)
    _check_times(None, display_at)
    update = (
        IncidentUpdate.objects.select_for_update(of=("self",))
        .select_related("incident__page")
        .get(pk=update.pk)
    )
    if bodies is not None:
        bodies = clean_bodies(page_languages(update.incident.page.languages), bodies)
    before = snapshot(update, ["body", "bodies", "display_at"])
    update.body = body
    if bodies is not None:
        update.bodies = bodies
    if display_at is not None:
        update.display_at = display_at
    update.updated_at = timezone.now()
    update.save()
    incident = update.incident
    incident.version += 1
    incident.updated_at = max(incident.updated_at, update.updated_at)
    incident.save(update_fields=["version", "updated_at"])
    record(
        actor,
        "incident_update.edit",
        update,
        page=incident.page,
        before=before,
        after=snapshot(update, ["body", "bodies", "display_at"]),
        event=EventKind.INCIDENT_UPDATE_EDITED,
        notify=False,
        incident=incident,
        incident_update=update,
    )
    return update


@transaction.atomic
def delete_update(update: IncidentUpdate, *, actor: Actor) -> None:
    update = (
        IncidentUpdate.objects.select_for_update(of=("self",))
        .select_related("incident__page")
        .get(pk=update.pk)
    )
    incident = update.incident
    if incident.updates.count() <= 1:
        raise LifecycleError(
            _("An incident keeps at least one update; delete the incident instead.")
        )
    before = snapshot(update, ["code", "status", "body", "display_at"])
    update.delete()
    incident.version += 1
    incident.updated_at = timezone.now()
    incident.save(update_fields=["version", "updated_at"])
    record(
        actor,
        "incident_update.delete",
        incident,
        page=incident.page,
        before=before,
        after=None,
        event=EventKind.INCIDENT_UPDATE_DELETED,
        notify=False,
        incident=incident,
    )


@transaction.atomic
def delete_incident(incident: Incident, *, actor: Actor) -> None:
    """Remove an incident entirely (a test or a mistake); components are released first."""
    incident = _lock(incident, None)
    page = incident.page
    at = timezone.now()
    if incident.is_open:
        _release_components(incident, {}, actor=actor, at=at)
    before = snapshot(incident, INCIDENT_AUDIT_FIELDS) | {"code": incident.code}
    # The audit entry names the page, since the incident row goes away.
    record(
        actor,
        "incident.delete",
        page,
        page=page,
        before=before,
        after=None,
        event=EventKind.INCIDENT_DELETED,
        notify=False,
        payload={"incident_code": incident.code},
    )
    incident.delete()


@transaction.atomic
def rename_incident(
    incident: Incident, *, actor: Actor, name: str, expected_version: int | None = None
) -> Incident:
    """Change an incident's title; its updates (and what was sent) stay as they were."""
    name = clean_name(name)
    incident = _lock(incident, expected_version)
    if incident.name == name:
        return incident
    before = snapshot(incident, ["name", "version"])
    incident.name = name
    incident.version += 1
    incident.updated_at = max(incident.updated_at, timezone.now())
    incident.save(update_fields=["name", "version", "updated_at"])
    record(
        actor,
        "incident.rename",
        incident,
        page=incident.page,
        before=before,
        after=snapshot(incident, ["name", "version"]),
        # The same re-render an edited update gets; nobody is told of a new title.
        event=EventKind.INCIDENT_UPDATE_EDITED,
        notify=False,
        incident=incident,
    )
    return incident
