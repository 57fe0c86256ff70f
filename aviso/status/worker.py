"""The background worker's units of work, and the registry other apps add to.

``status`` cannot import ``notify`` or ``publish``; they register here in their
``AppConfig.ready()``: event handlers (called for every outbox event) and jobs
(called on every turn of the worker loop; each returns True when it did work).

A job belongs to a *lane*. ``aviso worker`` runs each lane on its own thread, so
a slow unit in one (a site render, a long batch of emails, a vendor that takes
its timeout to answer) never holds up another: the outbox events, whose
fan-out is what turns an incident into notices, are never queued behind a
render. A lane sleeps when idle until it is nudged (``nudge``: work was just
committed for it in this process), until a job asked to come back sooner
(``come_back_in``: a render whose quiet period ends in 120 ms), or at most the
poll interval (work written by other processes).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections import defaultdict
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

MAIN = "main"  # the outbox events, and the jobs registered without a lane

_event_handlers: dict[str, EventHandler] = {}
_jobs: dict[str, tuple[Job, str]] = {}
_wakeups: dict[str, threading.Event] = {}
_come_back: dict[str, float] = {}
_lock = threading.RLock()  # re-entrant: a signal handler may wake a lane (aviso worker)

EVENT_LEASE = dt.timedelta(seconds=120)
# What the handlers read of every event, fetched with the claim.
EVENT_RELATED = ("page", "incident", "incident_update", "maintenance", "component")


def register_event_handler(name: str, handler: EventHandler) -> None:
    _event_handlers[name] = handler


def register_job(name: str, job: Job, lane: str = MAIN) -> None:
    _jobs[name] = (job, lane)


def lanes() -> list[str]:
    """The lanes with work registered, the main lane (events) first."""
    return [MAIN, *sorted({lane for _, lane in _jobs.values()} - {MAIN})]


def _wakeup(lane: str) -> threading.Event:
    with _lock:
        return _wakeups.setdefault(lane, threading.Event())


def nudge(lane: str) -> None:
    """Wake ``lane`` of this process's worker once the current transaction commits.

    Called where work for another lane is written (a fan-out's deliveries, a
    change to render); before the commit the lane would find nothing and sleep.
    """
    transaction.on_commit(_wakeup(lane).set)


def wake(lane: str) -> None:
    """Wake ``lane`` now (a stopping worker, so its lanes see the signal at once)."""
    _wakeup(lane).set()


def come_back_in(lane: str, seconds: float) -> None:
    """Ask ``lane`` to run again within ``seconds`` even if nothing nudges it."""
    with _lock:
        _come_back[lane] = min(_come_back.get(lane, seconds), max(0.0, seconds))


def wait_for_work(lane: str, poll: float) -> None:
    """Sleep until ``lane`` is nudged, asked to come back, or ``poll`` seconds pass."""
    with _lock:
        timeout = min(poll, _come_back.pop(lane, poll))
    wakeup = _wakeup(lane)
    wakeup.wait(timeout)
    wakeup.clear()


def event_handlers() -> dict[str, EventHandler]:
    return dict(_event_handlers)


def jobs() -> dict[str, Job]:
    return {name: job for name, (job, _) in _jobs.items()}


def max_tries() -> int:
    return int(getattr(settings, "OUTBOX_MAX_TRIES", 12))


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(2**attempts, 600))


def _run_handler(
    event: Event, name: str, handler: EventHandler, run: HandlerRun | None
) -> HandlerRun:
    """One handler on one event, in its own transaction with its outcome; the run as it
    now stands (``done_at`` set when it succeeded)."""
    try:
        with transaction.atomic():
            handler(event)
            done = timezone.now()
            if run is None:
                # A plain INSERT: the batch's runs were read before, so none exists yet
                # (if another worker's expired lease raced us, the unique index refuses
                # it and this try counts as failed, to be seen as done on the next).
                run = HandlerRun.objects.create(event=event, handler=name, done_at=done)
            else:
                HandlerRun.objects.filter(pk=run.pk).update(
                    done_at=done, next_try_at=None, last_error=""
                )
                run.done_at, run.next_try_at, run.last_error = done, None, ""
    except Exception:
        log.exception("event %s (%s): handler %s failed", event.pk, event.kind, name)
        attempts = (run.attempts if run else 0) + 1
        now = timezone.now()
        dead = attempts >= max_tries()
        run, _ = HandlerRun.objects.update_or_create(
            event=event, handler=name,
            defaults={"attempts": attempts, "last_error": traceback.format_exc()[-4000:],
                      "next_try_at": None if dead else now + _retry_delay(attempts),
                      "dead_at": now if dead else None},
        )  # fmt: skip
    return run


def handle_event(event: Event, runs: dict[str, HandlerRun] | None = None) -> bool:
    """Run each handler that has not yet succeeded on ``event``; True when all have.

    Handlers succeed or fail on their own: one that fails is retried later with
    backoff while the others' work stands, and is never repeated. The event is
    handled when every handler is done, and dead (set aside, not handled) once
    a handler has used its last try and no other is still waiting for one.
    ``runs``: the event's handler runs by handler, when the caller read them for
    a whole batch (``process_events``).
    """
    now = timezone.now()
    if runs is None:
        runs = {run.handler: run for run in HandlerRun.objects.filter(event=event)}
    outcomes: list[HandlerRun] = []
    for name, handler in _event_handlers.items():
        run = runs.get(name)
        if run and (run.done_at or run.dead_at or (run.next_try_at and run.next_try_at > now)):
            outcomes.append(run)
            continue
        outcomes.append(_run_handler(event, name, handler, run))
    if all(run.done_at for run in outcomes):
        Event.objects.filter(pk=event.pk).update(
            handled_at=timezone.now(), claimed_by="", claimed_until=None, last_error=""
        )
        return True
    failed = [run for run in outcomes if not run.done_at]
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
    events = claim(
        pending_events(), worker=worker, lease=EVENT_LEASE, batch=batch, related=EVENT_RELATED
    )
    # The batch's handler runs in one read, not one per event (a mass outage's
    # hundred events are what stand between each incident and its notices).
    runs: dict[int, dict[str, HandlerRun]] = defaultdict(dict)
    for run in HandlerRun.objects.filter(event__in=events):
        runs[run.event_id][run.handler] = run
    for event in events:
        handle_event(event, runs[event.pk])
    return bool(events)


def run_once(worker: str, lane: str | None = None) -> bool:
    """One turn of ``lane`` (events first on the main lane), or of every lane in turn."""
    did_work = process_events(worker) if lane in (None, MAIN) else False
    for name, (job, job_lane) in _jobs.items():
        if lane is not None and job_lane != lane:
            continue
        try:
            did_work = job(worker) or did_work
        except Exception:
            log.exception("worker job %s failed", name)
    return did_work
