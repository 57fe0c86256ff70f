"""Component status changes: the history rows that every other change shares."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from aviso.status.choices import (
    ComponentStatus,
    EventKind,
    IncidentStatus,
    MaintenanceStatus,
    worst_component_status,
)
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.records import record
from aviso.status.lifecycle.validation import clean_choice
from aviso.status.models import (
    Component,
    ComponentStatusChange,
    Incident,
    IncidentComponent,
    Maintenance,
)


def apply_status(
    component: Component,
    new_status: ComponentStatus,
    *,
    actor: Actor,
    at: dt.datetime,
    incident: Incident | None = None,
    maintenance: Maintenance | None = None,
) -> dict | None:
    """Change one component's status inside the caller's transaction.

    Returns Statuspage's ``affected_components`` entry, or None when nothing changed.
    """
    old_status = component.status
    if old_status == new_status:
        return None
    component.status = new_status
    component.save(update_fields=["status", "updated_at"])
    ComponentStatusChange.objects.create(
        component=component,
        old_status=old_status,
        new_status=new_status,
        at=at,
        incident=incident,
        maintenance=maintenance,
        actor_kind=actor.kind,
    )
    return {
        "code": component.code,
        "name": component.display_name,
        "old_status": old_status,
        "new_status": str(new_status),
    }


def resting_status(
    component: Component, *, excluding_incident: Incident | None = None
) -> ComponentStatus:
    """What a component goes back to when an incident lets go of it.

    The worst status other open incidents give it, else maintenance when one is
    in progress on it, else operational.
    """
    others = IncidentComponent.objects.filter(
        component=component, incident__status__in=IncidentStatus.open_values()
    )
    if excluding_incident is not None:
        others = others.exclude(incident=excluding_incident)
    statuses = list(others.values_list("status", flat=True))
    if statuses:
        return worst_component_status(statuses)
    in_maintenance = Maintenance.objects.filter(
        components=component, status__in=MaintenanceStatus.active_values()
    ).exists()
    return ComponentStatus.UNDER_MAINTENANCE if in_maintenance else ComponentStatus.OPERATIONAL


@transaction.atomic
def set_component_status(
    component: Component,
    status: str,
    *,
    actor: Actor,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> Component:
    """A status change outside any incident (a quiet fix, a monitor without auto-open).

    ``notify=False`` keeps subscribers out of it (a mirrored vendor's component
    whose operator did not ask for notices); the public pages still change.
    """
    new_status = clean_choice(status, ComponentStatus, "status")
    at = at or timezone.now()
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the group join.
    component = (
        Component.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=component.pk)
    )
    before = {"status": component.status}
    change = apply_status(component, new_status, actor=actor, at=at)
    if change is None:
        return component
    record(
        actor,
        "component.status",
        component,
        page=component.page,
        before=before,
        after={"status": component.status},
        event=EventKind.COMPONENT_STATUS_CHANGED,
        at=at,
        notify=notify,
        component=component,
        payload={"component_changes": [change]},
    )
    return component
