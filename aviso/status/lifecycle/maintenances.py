"""Scheduled maintenance: planned, started (components under maintenance), completed, cancelled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.lib.languages import page_languages
from aviso.status.choices import ComponentStatus, EventKind, MaintenanceStatus
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.components import apply_status, resting_status
from aviso.status.lifecycle.errors import ConflictError, LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.lifecycle.validation import clean_bodies, clean_body, clean_name
from aviso.status.models import Component, Maintenance, MaintenanceUpdate, Page

AUDIT_FIELDS = ["name", "status", "scheduled_for", "scheduled_until", "started_at", "completed_at"]

DEFAULT_BODIES = {
    MaintenanceStatus.SCHEDULED: "A maintenance is scheduled.",
    MaintenanceStatus.IN_PROGRESS: (
        "Scheduled maintenance is currently in progress. We will provide updates as necessary."
    ),
    MaintenanceStatus.VERIFYING: "Verification is currently underway for the maintenance items.",
    MaintenanceStatus.COMPLETED: "The scheduled maintenance has been completed.",
    MaintenanceStatus.CANCELLED: "This scheduled maintenance has been cancelled.",
}


def _components(page: Page, components: Iterable[Component | str]) -> list[Component]:
    result = []
    wanted = list(components or [])
    codes = [c for c in wanted if isinstance(c, str)]
    by_code = {c.code: c for c in page.components.select_related("group").filter(code__in=codes)}
    for key in wanted:
        component = by_code.get(key) if isinstance(key, str) else key
        if component is None or component.page_id != page.pk:
            raise LifecycleError({"components": _("Unknown component: %(c)s") % {"c": key}})
        result.append(component)
    return result


def _check_window(scheduled_for: dt.datetime, scheduled_until: dt.datetime) -> None:
    for field, value in (("scheduled_for", scheduled_for), ("scheduled_until", scheduled_until)):
        if value is None:
            raise LifecycleError({field: _("This field is required.")})
        if timezone.is_naive(value):
            raise LifecycleError({field: _("A time needs a time zone.")})
    if scheduled_until <= scheduled_for:
        raise LifecycleError({"scheduled_until": _("The end must be after the start.")})


def _lock(maintenance: Maintenance, expected_version: int | None) -> Maintenance:
    locked = (
        Maintenance.objects.select_for_update(of=("self",))
        .select_related("page")
        .get(pk=maintenance.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This maintenance changed since you opened it. Reload and try again.")
        )
    return locked


def _add_update(maintenance, status, body, actor, at, notify, bodies=None) -> MaintenanceUpdate:
    return MaintenanceUpdate.objects.create(
        maintenance=maintenance,
        status=status,
        body=clean_body(body) or DEFAULT_BODIES[status],
        bodies=clean_bodies(page_languages(maintenance.page.languages), bodies),
        display_at=at,
        created_at=at,
        deliver_notifications=notify,
        author=actor.user,
        actor_kind=actor.kind,
    )


def _transition(
    maintenance: Maintenance,
    new_status: MaintenanceStatus,
    *,
    actor: Actor,
    body: str,
    at: dt.datetime | None,
    notify: bool,
    event: EventKind,
    expected_version: int | None,
    allowed_from: Iterable[str],
    bodies: dict[str, str] | None = None,
) -> Maintenance:
    maintenance = _lock(maintenance, expected_version)
    if maintenance.status not in allowed_from:
        raise LifecycleError(
            {
                "status": _("A maintenance that is %(now)s cannot become %(new)s.")
                % {"now": maintenance.get_status_display(), "new": new_status.label}
            }
        )
    at = at or timezone.now()
    before = snapshot(maintenance, AUDIT_FIELDS)
    changes = []
    components = list(maintenance.components.select_related("group"))
    if new_status == MaintenanceStatus.IN_PROGRESS:
        maintenance.started_at = maintenance.started_at or at
        for component in components:
            # A component already in trouble keeps showing the trouble.
            if component.status == ComponentStatus.OPERATIONAL:
                change = apply_status(
                    component,
                    ComponentStatus.UNDER_MAINTENANCE,
                    actor=actor,
                    at=at,
                    maintenance=maintenance,
                )
                changes += [change] if change else []
    maintenance.status = new_status
    if new_status in MaintenanceStatus.finished_values():
        maintenance.completed_at = at
        maintenance.save()
        for component in components:
            if component.status == ComponentStatus.UNDER_MAINTENANCE:
                change = apply_status(
                    component,
                    resting_status(component),
                    actor=actor,
                    at=at,
                    maintenance=maintenance,
                )
                changes += [change] if change else []
    maintenance.version += 1
    maintenance.updated_at = at
    maintenance.save()
    _add_update(maintenance, new_status, body, actor, at, notify, bodies)
    record(
        actor,
        f"maintenance.{new_status}",
        maintenance,
        page=maintenance.page,
        before=before,
        after=snapshot(maintenance, AUDIT_FIELDS),
        event=event,
        at=at,
        notify=notify,
        maintenance=maintenance,
        payload={"component_changes": changes},
    )
    return maintenance


@transaction.atomic
def schedule_maintenance(
    page: Page,
    *,
    actor: Actor,
    name: str,
    scheduled_for: dt.datetime,
    scheduled_until: dt.datetime,
    body: str = "",
    bodies: dict[str, str] | None = None,
    components: Iterable[Component | str] = (),
    auto_start: bool = True,
    auto_complete: bool = True,
    notify: bool = True,
    at: dt.datetime | None = None,
    external_ref: str = "",
) -> Maintenance:
    name = clean_name(name)
    _check_window(scheduled_for, scheduled_until)
    resolved = _components(page, components)
    at = at or timezone.now()
    maintenance = Maintenance.objects.create(
        page=page,
        name=name,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_start=auto_start,
        auto_complete=auto_complete,
        created_at=at,
        updated_at=at,
        external_ref=external_ref,
    )
    maintenance.components.set(resolved)
    _add_update(maintenance, MaintenanceStatus.SCHEDULED, body, actor, at, notify, bodies)
    record(
        actor,
        "maintenance.schedule",
        maintenance,
        page=page,
        before=None,
        after=snapshot(maintenance, AUDIT_FIELDS) | {"components": [c.code for c in resolved]},
        event=EventKind.MAINTENANCE_SCHEDULED,
        at=at,
        notify=notify,
        maintenance=maintenance,
    )
    return maintenance


@transaction.atomic
def update_maintenance(
    maintenance: Maintenance,
    *,
    actor: Actor,
    name: str | None = None,
    scheduled_for: dt.datetime | None = None,
    scheduled_until: dt.datetime | None = None,
    components: Iterable[Component | str] | None = None,
    auto_start: bool | None = None,
    auto_complete: bool | None = None,
    expected_version: int | None = None,
) -> Maintenance:
    """Change a planned maintenance's details (not its status)."""
    maintenance = _lock(maintenance, expected_version)
    before = snapshot(maintenance, AUDIT_FIELDS)
    if name is not None:
        maintenance.name = clean_name(name)
    maintenance.scheduled_for = scheduled_for or maintenance.scheduled_for
    maintenance.scheduled_until = scheduled_until or maintenance.scheduled_until
    _check_window(maintenance.scheduled_for, maintenance.scheduled_until)
    if auto_start is not None:
        maintenance.auto_start = auto_start
    if auto_complete is not None:
        maintenance.auto_complete = auto_complete
    if components is not None:
        maintenance.components.set(_components(maintenance.page, components))
    maintenance.version += 1
    maintenance.updated_at = timezone.now()
    maintenance.save()
    record(
        actor,
        "maintenance.edit",
        maintenance,
        page=maintenance.page,
        before=before,
        after=snapshot(maintenance, AUDIT_FIELDS),
        event=EventKind.MAINTENANCE_UPDATED,
        notify=False,
        maintenance=maintenance,
    )
    return maintenance


@transaction.atomic
def start_maintenance(
    maintenance, *, actor, body="", bodies=None, at=None, notify=True, expected_version=None
):
    return _transition(
        maintenance,
        MaintenanceStatus.IN_PROGRESS,
        actor=actor,
        body=body,
        bodies=bodies,
        at=at,
        notify=notify,
        event=EventKind.MAINTENANCE_STARTED,
        expected_version=expected_version,
        allowed_from=[MaintenanceStatus.SCHEDULED],
    )


@transaction.atomic
def post_maintenance_update(
    maintenance,
    *,
    actor,
    status,
    body="",
    bodies=None,
    at=None,
    notify=True,
    expected_version=None,
):
    """An update on a running maintenance (for example "verifying")."""
    status = MaintenanceStatus(status)
    if status in MaintenanceStatus.finished_values() or status == MaintenanceStatus.SCHEDULED:
        raise LifecycleError({"status": _("Use complete or cancel to end a maintenance.")})
    return _transition(
        maintenance,
        status,
        actor=actor,
        body=body,
        bodies=bodies,
        at=at,
        notify=notify,
        event=EventKind.MAINTENANCE_UPDATED,
        expected_version=expected_version,
        allowed_from=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()],
    )


@transaction.atomic
def complete_maintenance(
    maintenance, *, actor, body="", bodies=None, at=None, notify=True, expected_version=None
):
    return _transition(
        maintenance,
        MaintenanceStatus.COMPLETED,
        actor=actor,
        body=body,
        bodies=bodies,
        at=at,
        notify=notify,
        event=EventKind.MAINTENANCE_COMPLETED,
        expected_version=expected_version,
        allowed_from=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()],
    )


@transaction.atomic
def cancel_maintenance(
    maintenance, *, actor, body="", bodies=None, at=None, notify=True, expected_version=None
):
    return _transition(
        maintenance,
        MaintenanceStatus.CANCELLED,
        actor=actor,
        body=body,
        bodies=bodies,
        at=at,
        notify=notify,
        event=EventKind.MAINTENANCE_CANCELLED,
        expected_version=expected_version,
        allowed_from=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()],
    )
