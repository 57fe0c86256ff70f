"""The audit entry and the outbox event that go with every change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db import models
from django.utils import timezone

from aviso.status.choices import EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.models import AuditEntry, Event, Page

_historical: ContextVar[bool] = ContextVar("historical", default=False)


@contextmanager
def historical() -> Iterator[None]:
    """Changes made inside record the past (an import, a restore): their events are
    written ``historical`` and nobody, subscriber or operator, is alerted of them.
    The public pages are still re-rendered."""
    token = _historical.set(True)
    try:
        yield
    finally:
        _historical.reset(token)


def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict | None:
    """A JSON-safe picture of a model's concrete fields, for the audit log."""
    if obj is None:
        return None
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[field.name] = value
    return data


def record(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    page: Page,
    before: dict | None,
    after: dict | None,
    event: EventKind | None,
    at: dt.datetime | None = None,
    notify: bool = True,
    payload: dict | None = None,
    **event_refs,
) -> Event | None:
    """Write the audit entry and (when the change is public) the outbox event."""
    at = at or timezone.now()
    AuditEntry.objects.create(
        at=timezone.now(),
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        before=before,
        after=after,
        page=page,
    )
    if event is None:
        return None
    past = _historical.get()
    return Event.objects.create(
        kind=event,
        at=at,
        page=page,
        actor_kind=actor.kind,
        notify=notify and not past,
        historical=past,
        payload=payload or {},
        **event_refs,
    )
