"""The background worker's units of work, and the registry other apps add to.

``status`` cannot import ``notify`` or ``publish``; they register here in their
``AppConfig.ready()``: event handlers (called for every outbox event) and jobs
(called on every turn of the worker loop; each returns True when it did work).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aviso.status.claims import claim
from aviso.status.lifecycle.outbox import set_event_dead
from aviso.status.models import Event, HandlerRun

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], None]
Job = Callable[[str], bool]

_event_handlers: dict[str, EventHandler] = {}
_jobs: dict[str, Job] = {}

EVENT_LEASE = dt.timedelta(seconds=120)


def register_event_handler(name: str, handler: EventHandler) -> None:
    _event_handlers[name] = handler


def register_job(name: str, job: Job) -> None:
    _jobs[name] = job


def event_handlers() -> dict[str, EventHandler]:
    return dict(_event_handlers)


def jobs() -> dict[str, Job]:
    return dict(_jobs)


def max_tries() -> int:
    return int(getattr(settings, "OUTBOX_MAX_TRIES", 12))


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(2**attempts, 600))


def _run_handler(event: Event, name: str, handler: EventHandler, run: HandlerRun | None) -> bool:
    """One handler on one event, in its own transaction with its outcome. True when done."""
    try:
        with transaction.atomic():
            handler(event)
            HandlerRun.objects.update_or_create(
                event=event, handler=name,
                defaults={"done_at": timezone.now(), "next_try_at": None, "last_error": ""},
            )  # fmt: skip
    except Exception:
        log.exception("event %s (%s): handler %s failed", event.pk, event.kind, name)
        attempts = (run.attempts if run else 0) + 1
        now = timezone.now()
        dead = attempts >= max_tries()
        HandlerRun.objects.update_or_create(
            event=event, handler=name,
            defaults={"attempts": attempts, "last_error": traceback.format_exc()[-4000:],
                      "next_try_at": None if dead else now + _retry_delay(attempts),
                      "dead_at": now if dead else None},
        )  # fmt: skip
        return False
    return True


def handle_event(event: Event) -> bool:
    """Run each handler that has not yet succeeded on ``event``; True when all have.

    Handlers succeed or fail on their own: one that fails is retried later with
    backoff while the others' work stands, and is never repeated. The event is
    handled when every handler is done, and dead (set aside, not handled) once
    a handler has used its last try and no other is still waiting for one.
    """
    now = timezone.now()
    runs = {run.handler: run for run in HandlerRun.objects.filter(event=event)}
    for name, handler in _event_handlers.items():
        run = runs.get(name)
        if run and (run.done_at or run.dead_at or (run.next_try_at and run.next_try_at > now)):
            continue
        _run_handler(event, name, handler, run)
    runs = {run.handler: run for run in HandlerRun.objects.filter(event=event)}
    outcomes = [runs.get(name) for name in _event_handlers]
    if all(run is not None and run.done_at for run in outcomes):
        Event.objects.filter(pk=event.pk).update(
            handled_at=timezone.now(), claimed_by="", claimed_until=None, last_error=""
        )
        return True
    failed = [run for run in outcomes if run is not None and not run.done_at]
    Event.objects.filter(pk=event.pk).update(
        attempts=max((run.attempts for run in failed), default=0),
        last_error="\n".join(f"[{run.handler}] {run.last_error}" for run in failed)[-4000:],
    )
    retries = [run.next_try_at for run in failed if run.next_try_at is not None]
    if retries:
        # Back when the earliest retry is due: the claim filter takes it again then.
        Event.objects.filter(pk=event.pk).update(claimed_by="", claimed_until=min(retries))
    elif failed:
        set_event_dead(event)
    return False


def pending_events():
    """Events the worker still owes work: neither handled nor set aside as dead."""
    return Event.objects.filter(handled_at__isnull=True, dead_at__isnull=True)


def process_events(worker: str, batch: int = 50) -> bool:
    """Claim a batch of pending events and handle them. True when any was claimed."""
    events = claim(pending_events(), worker=worker, lease=EVENT_LEASE, batch=batch)
    for event in events:
        handle_event(event)
    return bool(events)


def run_once(worker: str) -> bool:
    """One turn of the worker loop: events first, then every registered job."""
    did_work = process_events(worker)
    for name, job in _jobs.items():
        try:
            did_work = job(worker) or did_work
        except Exception:
            log.exception("worker job %s failed", name)
    return did_work
