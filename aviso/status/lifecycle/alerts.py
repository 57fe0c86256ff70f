"""Alerts for operators only: automation saw trouble it may not announce itself.

When a component's auto-open or auto-resolve is off, the public page does not
change; the operators still hear of it through their alert channels. The event
is written with ``notify=False`` so no subscriber receives it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from aviso.status.choices import ComponentStatus, EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.records import record
from aviso.status.lifecycle.validation import clean_choice
from aviso.status.models import Component, Event


@transaction.atomic
def alert_operators(
    component: Component,
    *,
    actor: Actor,
    measured_status: str,
    detail: str,
    at: dt.datetime | None = None,
) -> Event:
    measured = clean_choice(measured_status, ComponentStatus, "measured_status")
    at = at or timezone.now()
    change = {
        "code": component.code,
        "name": component.display_name,
        "old_status": component.status,
        "new_status": str(measured),
    }
    return record(
        actor,
        "operator.alert",
        component,
        page=component.page,
        before=None,
        after={"measured_status": str(measured), "detail": detail[:2000]},
        event=EventKind.OPERATOR_ALERT,
        at=at,
        notify=False,
        component=component,
        payload={"component_changes": [change], "detail": detail[:2000]},
    )
