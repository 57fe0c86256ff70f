"""Heartbeats of the checker and worker processes, and who has gone silent.

A process writes its heartbeat every period; one silent for more than two of
its periods is reported (console banner, ``/healthz`` 503). A clean stop
marks the heartbeat stopped, which is not an alarm: someone meant it. Names
leave out the process id, so a restarted process takes over its row and
clears the alarm.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.utils import timezone

from aviso.detection.models import Heartbeat

log = logging.getLogger(__name__)


def period() -> float:
    return float(getattr(settings, "HEARTBEAT_SECONDS", 10))


def beat(name: str, kind: str, every: float, info: dict | None = None) -> None:
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(
        last_seen_at=now, period_seconds=every, stopped_at=None, info=info or {}
    )
    if not updated:
        Heartbeat.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "period_seconds": every, "started_at": now,
                      "last_seen_at": now, "stopped_at": None, "info": info or {}},
        )  # fmt: skip


def stopped(name: str) -> None:
    Heartbeat.objects.filter(name=name).update(stopped_at=timezone.now())


def silent(now: dt.datetime | None = None) -> list[Heartbeat]:
    """Processes not heard from for more than two of their periods (and not stopped)."""
    now = now or timezone.now()
    return [
        hb
        for hb in Heartbeat.objects.filter(stopped_at__isnull=True)
        if now - hb.last_seen_at > dt.timedelta(seconds=2 * hb.period_seconds)
    ]


def checker_name(name: str | None, region: str | None) -> str:
    base = name or socket.gethostname()
    return f"checker {base}" + (f" [{region}]" if region else "")


async def checker_heartbeats(checker, stop: asyncio.Event, name: str) -> None:
    """Run beside ``Checker.run``: beat every period with the checker's counters."""
    every = period()
    db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checker-heartbeat")
    loop = asyncio.get_running_loop()
    try:
        while not stop.is_set():
            info = {"checks": checker.checks, "stored": checker.stored,
                    "in_flight": checker.in_flight, "region": checker.region or ""}  # fmt: skip
            try:
                await loop.run_in_executor(db, beat, name, "checker", every, info)
            except Exception:  # a missed beat must not stop the checks
                log.exception("heartbeat %s failed", name)
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                pass
        await loop.run_in_executor(db, stopped, name)
    finally:
        await loop.run_in_executor(db, _close_connection)
        db.shutdown(wait=True)


def _close_connection() -> None:
    # Called on the heartbeat thread: ``connection`` is per thread.
    connection.close()


_last_worker_beat: dict[str, float] = {}


def worker_job(worker: str) -> bool:
    """Registered worker job: one heartbeat per period (the name without the pid)."""
    every = period()
    if time.monotonic() - _last_worker_beat.get(worker, 0.0) < every:
        return False
    _last_worker_beat[worker] = time.monotonic()
    beat(f"worker {worker.split(':')[0]}", "worker", every)
    return False  # a heartbeat is not work: it must not keep the loop from sleeping
