"""The outbox's own state changes: an event set aside as dead, and an operator's retry.

Both are changes someone must be able to trace, so both write an audit entry.
A dead event also writes an ``outbox.dead`` event, which the notify app turns
into an operator alert. When that alert's own handler dies (notify itself is
broken) no further alert is raised: the log, the metric and the console
screen still show it, and alerting about the alert would loop.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from aviso.status.choices import EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.records import record
from aviso.status.models import Event, HandlerRun

OUTBOX_WORKER = Actor.automation("outbox worker")


def _error_line(text: str) -> str:
    """The last line of a traceback (the exception itself), short enough for an alert."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:300]


@transaction.atomic
def set_event_dead(event: Event, *, actor: Actor = OUTBOX_WORKER) -> Event | None:
    """Set ``event`` aside: some handler used its last try. Returns the alert event, if any."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.dead_at is not None or event.handled_at is not None:
        return None
    dead = list(HandlerRun.objects.filter(event=event, dead_at__isnull=False))
    if not dead:
        raise LifecycleError("no handler of this event is dead")
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(dead_at=now, claimed_by="", claimed_until=None)
    handlers = [run.handler for run in dead]
    detail = "; ".join(f"{run.handler}: {_error_line(run.last_error)}" for run in dead)
    alert = None if event.kind == EventKind.OUTBOX_DEAD else EventKind.OUTBOX_DEAD
    return record(
        actor,
        "event.dead",
        event,
        page=event.page,
        before={"dead_at": None},
        after={"dead_at": now.isoformat(), "handlers": handlers},
        event=alert,
        notify=False,
        payload={
            "event_id": event.pk,
            "event_kind": event.kind,
            "handlers": handlers,
            "detail": detail[:2000],
        },  # fmt: skip
    )


@transaction.atomic
def retry_event(event: Event, *, actor: Actor) -> Event:
    """Give a dead event's dead handlers a fresh set of tries; the others are not re-run."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.dead_at is None:
        raise LifecycleError("this event is not dead; the worker is still on it or it is done")
    dead = HandlerRun.objects.filter(event=event, dead_at__isnull=False)
    handlers = sorted(dead.values_list("handler", flat=True))
    dead.update(attempts=0, dead_at=None, next_try_at=None)
    Event.objects.filter(pk=event.pk).update(
        dead_at=None, attempts=0, claimed_by="", claimed_until=None
    )
    record(
        actor,
        "event.retry",
        event,
        page=event.page,
        before={"dead_at": event.dead_at.isoformat(), "handlers": handlers},
        after={"dead_at": None},
        event=None,
    )
    event.refresh_from_db()
    return event
