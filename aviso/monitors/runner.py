"""The checker: an asyncio loop that runs every due monitor at its own time.

One task claims due monitors a little ahead of time (``horizon``) and sets a
timer for each; when it fires, the probe runs as its own task under the
monitor's timeout, so a hanging target only ever holds its own task. Finished
checks queue up and one flusher stores them in batches. Database work happens
on two dedicated threads (Django's ORM is synchronous), one for claims and one
for writes, so the event loop never waits on the database and a slow batch
write never holds up the next claim. The horizon absorbs database stalls: a
monitor is claimed seconds before it is due, so a claim that takes a second
still starts every check on time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

from aviso.monitors import detection, store
from aviso.monitors.probes import run_probe
from aviso.monitors.store import Done, Job
from aviso.monitors.trial import checker_context

log = logging.getLogger(__name__)


def next_due(due: dt.datetime, interval: float, now: dt.datetime, jitter: float) -> dt.datetime:
    """The next slot: one interval after this one (no drift), plus a little jitter;
    a monitor that fell behind starts again from now instead of bunching up."""
    nxt = due + dt.timedelta(seconds=interval + random.uniform(0, jitter))
    if nxt <= now:
        nxt = now + dt.timedelta(seconds=random.uniform(0, min(jitter, interval)))
    return nxt


def _close_connection() -> None:
    # Called on the database thread: ``connection`` is per thread.
    connection.close()


class Checker:
    def __init__(
        self,
        name: str,
        *,
        region: str | None = None,
        lease: float = 90.0,
        horizon: float = 5.0,
        claim_batch: int = 2000,
        max_in_flight: int = 10_000,
        flush_interval: float = 0.5,
        flush_size: int = 1000,
        jitter: float = 0.5,
        block_private: bool | None = None,
    ):
        self.name = name
        self.region = region
        self.lease = dt.timedelta(seconds=lease)
        self.horizon = horizon
        self.claim_batch = claim_batch
        self.max_in_flight = max_in_flight
        self.flush_interval = flush_interval
        self.flush_size = flush_size
        self.jitter = jitter
        self.block_private = (
            settings.OUTBOUND_BLOCK_PRIVATE if block_private is None else block_private
        )
        self.claims_db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checker-claims")
        # SQLite has one writer: two connections would only queue on its lock
        # (busy_timeout sleeps with back-off), so there one thread does both.
        self.writes_db = (
            self.claims_db
            if connection.vendor == "sqlite"
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="checker-writes")
        )
        self.scheduled: dict[int, asyncio.TimerHandle] = {}
        self.running: set[asyncio.Task] = set()
        self.finished: list[Done] = []
        self.checks = 0
        self.stored = 0
        self.slowest_db = 0.0  # seconds; reset by whoever reports it
        self._flush_now = asyncio.Event()

    async def _db(self, executor, fn, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await asyncio.get_running_loop().run_in_executor(
                executor, lambda: fn(*args, **kwargs)
            )
        finally:
            # Waiting included: the figure that matters for the schedule.
            self.slowest_db = max(self.slowest_db, time.perf_counter() - started)

    @property
    def in_flight(self) -> int:
        return len(self.scheduled) + len(self.running)

    async def run(self, stop: asyncio.Event) -> None:
        self.ctx = dataclasses.replace(checker_context(), block_private=self.block_private)
        flusher = asyncio.create_task(self._flush_loop(stop))
        try:
            await self._claim_loop(stop)
        finally:
            for handle in self.scheduled.values():
                handle.cancel()
            await self._db(self.claims_db, store.release, self.name, list(self.scheduled))
            self.scheduled.clear()
            if self.running:
                await asyncio.wait(self.running, timeout=30)
            self._flush_now.set()
            await flusher
            for executor in {self.claims_db, self.writes_db}:
                await self._db(executor, _close_connection)
                executor.shutdown(wait=True)

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            full = False
            room = self.max_in_flight - self.in_flight
            if room > 0:
                try:
                    full = await self.claim_once(min(room, self.claim_batch))
                except Exception:
                    log.exception("checker %s: claiming failed; retrying", self.name)
                    await self._db(self.claims_db, close_old_connections)
                    await asyncio.sleep(1)
            if not full:
                try:
                    # A random pause, so checkers sharing the monitors drift in phase
                    # and take turns being the first to claim what became due.
                    pause = min(0.5, self.horizon / 2) * random.uniform(0.5, 1.5)
                    await asyncio.wait_for(stop.wait(), timeout=pause)
                except TimeoutError:
                    pass

    async def claim_once(self, batch: int) -> bool:
        """Claim and schedule one batch; True when the batch came back full."""
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.horizon)
        jobs, broken = await self._db(
            self.claims_db,
            store.claim_due,
            self.name,
            until=until,
            lease=self.lease,
            batch=batch,
            region=self.region,
        )
        loop = asyncio.get_running_loop()
        broken_ids = set(broken)
        for job in jobs:
            if job.target.id in self.scheduled:
                continue
            delay = (job.due_at - dt.datetime.now(dt.UTC)).total_seconds()
            self.scheduled[job.target.id] = loop.call_later(
                max(0.0, delay), self._start, job, job.target.id in broken_ids
            )
        return len(jobs) >= batch

    def _start(self, job: Job, broken: bool) -> None:
        self.scheduled.pop(job.target.id, None)
        task = asyncio.get_running_loop().create_task(self._check(job, broken))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _check(self, job: Job, broken: bool) -> None:
        checked_at = dt.datetime.now(dt.UTC)
        if broken:
            outcome = store.broken_outcome()
        else:
            outcome = await run_probe(job.target, self.ctx)
        now = dt.datetime.now(dt.UTC)
        self.finished.append(
            Done(job, checked_at, outcome, next_due(job.due_at, job.interval, now, self.jitter))
        )
        self.checks += 1
        if len(self.finished) >= self.flush_size:
            self._flush_now.set()

    async def _flush_loop(self, stop: asyncio.Event) -> None:
        while True:
            stopping = stop.is_set()
            try:
                await asyncio.wait_for(self._flush_now.wait(), timeout=self.flush_interval)
            except TimeoutError:
                pass
            self._flush_now.clear()
            await self.flush()
            if stopping and not self.running and not self.finished:
                return

    async def flush(self) -> int:
        if not self.finished:
            return 0
        batch, self.finished = self.finished, []
        started = time.perf_counter()
        try:
            observations = await self._db(
                self.writes_db, store.save_results, self.name, batch, self.region or ""
            )
        except Exception:
            log.exception(
                "checker %s: storing %d results failed; will retry", self.name, len(batch)
            )
            self.finished[:0] = batch
            await self._db(self.writes_db, close_old_connections)
            return 0
        self.stored += len(observations)
        if self.region:  # detection's region quorum needs to know where a check ran
            observations = [dataclasses.replace(o, region=self.region) for o in observations]
        log.debug("stored %d in %.0f ms", len(observations), (time.perf_counter() - started) * 1000)
        await self._db(self.writes_db, detection.dispatch, observations)
        return len(observations)
