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

from django.db import transaction
from django.utils import timezone

from aviso.status.claims import claim
from aviso.status.models import Event

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], None]
Job = Callable[[str], bool]

_event_handlers: dict[str, EventHandler] = {}
_jobs: dict[str, Job] = {}

EVENT_LEASE = dt.timedelta(seconds=120)
MAX_EVENT_ATTEMPTS = 12


def register_event_handler(name: str, handler: EventHandler) -> None:
    _event_handlers[name] = handler


def register_job(name: str, job: Job) -> None:
    _jobs[name] = job


def event_handlers() -> dict[str, EventHandler]:
    return dict(_event_handlers)


def jobs() -> dict[str, Job]:
    return dict(_jobs)


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(2**attempts, 600))


def handle_event(event: Event) -> bool:
    """Run every handler on one event; returns True when all succeeded."""
    try:
        with transaction.atomic():
            for handler in _event_handlers.values():
                handler(event)
            Event.objects.filter(pk=event.pk).update(
                handled_at=timezone.now(), claimed_until=None, last_error=""
            )
    except Exception:
        log.exception("event %s (%s) failed", event.pk, event.kind)
        attempts = event.attempts + 1
        # After the last try the event is set aside (handled, with its error kept).
        Event.objects.filter(pk=event.pk).update(
            attempts=attempts,
            last_error=traceback.format_exc()[-4000:],
            claimed_until=timezone.now() + _retry_delay(attempts),
            handled_at=timezone.now() if attempts >= MAX_EVENT_ATTEMPTS else None,
        )
        return False
    return True


def process_events(worker: str, batch: int = 50) -> bool:
    """Claim a batch of pending events and handle them. True when any was claimed."""
    events = claim(
        Event.objects.filter(handled_at__isnull=True), worker=worker, lease=EVENT_LEASE, batch=batch
    )
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
