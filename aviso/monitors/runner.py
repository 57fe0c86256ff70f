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

Leases are short and renewed often, so a checker that dies (killed, its machine
gone) leaves monitors that another checker takes over within one lease (15 s by
default) rather than a long one. A checker never works on a lease it cannot vouch
for: a check whose lease was lost, or is about to lapse without a renewal, is
cancelled before another checker may claim that slot, so two checkers never run
the same slot at once.

Running checks are capped (file descriptors are the limit), in two lanes: a
monitor whose last check took most of its timeout runs in the slow lane, which
may hold only part of the cap, so thousands of hanging targets in a broad outage
wait for each other there while the healthy monitors keep their schedule. Timers
for checks not yet due are not capped: the claim horizon bounds them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import random
import resource
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection

from aviso.monitors import detection, store
from aviso.monitors.probes import load_probes, run_probe
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


FAST, SLOW = "fast", "slow"


def default_max_in_flight() -> int:
    """Running checks allowed by the open-file limit (a check holds a socket and, while
    resolving, a second one), keeping some descriptors for the database and logs."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 100_000
    return max(100, min(50_000, (soft - 256) // 2))


def raise_open_file_limit() -> int:
    """Lift the soft open-file limit to the hard one (a checker process only)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Checker:
    def __init__(
        self,
        name: str,
        *,
        region: str | None = None,
        lease: float = 15.0,
        horizon: float = 5.0,
        claim_batch: int = 2000,
        max_in_flight: int | None = None,
        slow_share: float = 0.5,
        flush_interval: float = 0.5,
        flush_size: int = 1000,
        jitter: float = 0.5,
        block_private: bool | None = None,
    ):
        self.name = name
        self.region = region
        self.lease = dt.timedelta(seconds=lease)
        # Renew three times a lease; give up on a lease this long before it lapses
        # (clocks of checkers on other machines may differ by about that much).
        self.renew_every = lease / 3
        self.margin = dt.timedelta(seconds=min(3.0, lease / 5))
        self.horizon = horizon
        self.claim_batch = claim_batch
        self.max_in_flight = max_in_flight or default_max_in_flight()
        self.max_slow = max(1, int(self.max_in_flight * slow_share))
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
        # Every job from its claim until its result is stored (or it is given up).
        self.held: dict[int, Job] = {}
        self.scheduled: dict[int, asyncio.TimerHandle] = {}
        self.waiting: dict[str, deque[tuple[Job, bool]]] = {FAST: deque(), SLOW: deque()}
        self.running: dict[int, asyncio.Task] = {}
        self.running_slow = 0
        self.finished: list[Done] = []
        self.checks = 0
        self.stored = 0
        self.lost = 0  # checks given up because their lease was lost or about to lapse
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
    def queued(self) -> int:
        return len(self.waiting[FAST]) + len(self.waiting[SLOW])

    @property
    def in_flight(self) -> int:
        return len(self.scheduled) + self.queued + len(self.running)

    async def run(self, stop: asyncio.Event) -> None:
        self.ctx = dataclasses.replace(checker_context(), block_private=self.block_private)
        await asyncio.get_running_loop().run_in_executor(None, load_probes)
        flusher = asyncio.create_task(self._flush_loop(stop))
        done = asyncio.Event()  # leases are kept until the last result is stored
        keeper = asyncio.create_task(self._lease_loop(done))
        try:
            await self._claim_loop(stop)
        finally:
            for handle in self.scheduled.values():
                handle.cancel()
            queued = [job.target.id for queue in self.waiting.values() for job, _ in queue]
            unstarted = [*self.scheduled, *queued]
            for job_id in unstarted:
                self.held.pop(job_id, None)
            self.scheduled.clear()
            for queue in self.waiting.values():
                queue.clear()
            await self._db(self.claims_db, store.release, self.name, unstarted)
            if self.running:
                await asyncio.wait(list(self.running.values()), timeout=30)
            self._flush_now.set()
            await flusher
            done.set()
            await keeper
            for executor in {self.claims_db, self.writes_db}:
                await self._db(executor, _close_connection)
                executor.shutdown(wait=True)

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            full = False
            # Claim no further ahead than the checks can start: what is due waits
            # in the lanes, and the leases of a long queue would only lapse there.
            room = self.max_in_flight - self.queued
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
            if job.target.id in self.held:
                continue
            self.held[job.target.id] = job
            delay = (job.due_at - dt.datetime.now(dt.UTC)).total_seconds()
            self.scheduled[job.target.id] = loop.call_later(
                max(0.0, delay), self._due, job, job.target.id in broken_ids
            )
        return len(jobs) >= batch

    def _due(self, job: Job, broken: bool) -> None:
        self.scheduled.pop(job.target.id, None)
        self.waiting[SLOW if job.slow else FAST].append((job, broken))
        self._admit()

    def _admit(self) -> None:
        """Start what waits, oldest first in each lane, while the lanes have room."""
        loop = asyncio.get_running_loop()
        for lane in (FAST, SLOW):
            queue = self.waiting[lane]
            while queue and len(self.running) < self.max_in_flight:
                if lane == SLOW and self.running_slow >= self.max_slow:
                    break
                job, broken = queue.popleft()
                if self.held.get(job.target.id) is not job or not self._safe(job):
                    continue  # given up while it waited
                task = loop.create_task(self._check(job, broken))
                self.running[job.target.id] = task
                if lane == SLOW:
                    self.running_slow += 1
                job.started = True
                task.add_done_callback(lambda t, job=job, lane=lane: self._ended(t, job, lane))

    def _ended(self, task: asyncio.Task, job: Job, lane: str) -> None:
        if self.running.get(job.target.id) is task:
            del self.running[job.target.id]
        if not task.cancelled() and task.exception() is not None:
            log.error("checker %s: check of monitor %s failed", self.name, job.target.id,
                      exc_info=task.exception())  # fmt: skip
            if self.held.get(job.target.id) is job:
                del self.held[job.target.id]  # not renewed: its lease lapses, it is claimed again
        if lane == SLOW:
            self.running_slow -= 1
        self._admit()

    def _safe(self, job: Job) -> bool:
        """Whether this checker may still work on the job: its lease is not about to lapse."""
        return job.held_until is None or dt.datetime.now(dt.UTC) < job.held_until - self.margin

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

    def give_up(self, job: Job) -> None:
        """Stop working on a job whose lease is lost or about to lapse: another
        checker may claim its slot, so this one must not be running it by then.
        (A check already finished keeps its result: storing it checks the lease.)"""
        if self.held.get(job.target.id) is not job:
            return
        del self.held[job.target.id]
        handle = self.scheduled.pop(job.target.id, None)
        if handle is not None:
            handle.cancel()
        task = self.running.get(job.target.id)
        if task is not None:
            task.cancel()
        if handle is not None or task is not None or not job.started:
            self.lost += 1

    async def _lease_loop(self, done: asyncio.Event) -> None:
        """Renew the leases every third of a lease; between renewals, give up any job
        whose lease would lapse (a renewal failing or stuck on a stalled database)."""
        renewal: asyncio.Task | None = None
        last = time.monotonic()
        tick = min(1.0, self.margin.total_seconds() / 2)
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), timeout=tick)
            except TimeoutError:
                pass
            lapsing = [j for j in self.held.values() if not self._safe(j)]
            if lapsing:
                # One line per tick, not per monitor: a stalled database can make
                # thousands lapse at once, and a log line each is a flood that can
                # block the loop on a full pipe (the checks with it).
                first = ", ".join(str(j.target.id) for j in lapsing[:5])
                log.warning("checker %s: leases of %d monitors lapsing (monitors %s%s)",
                            self.name, len(lapsing), first,
                            ", ..." if len(lapsing) > 5 else "")  # fmt: skip
            for job in lapsing:
                self.give_up(job)
            if (renewal is None or renewal.done()) and time.monotonic() - last >= self.renew_every:
                last = time.monotonic()
                renewal = asyncio.create_task(self.renew())
        if renewal is not None:
            await renewal

    async def renew(self) -> None:
        jobs = list(self.held.values())
        if not jobs:
            return
        try:
            until, monitors, slots = await self._db(
                self.claims_db,
                store.renew,
                self.name,
                [j.target.id for j in jobs if j.slot is None],
                [j.slot for j in jobs if j.slot is not None],
                self.lease,
            )
        except Exception:
            log.exception("checker %s: renewing leases failed; retrying", self.name)
            await self._db(self.claims_db, close_old_connections)
            return
        for job in jobs:
            kept = job.target.id in monitors if job.slot is None else job.slot in slots
            if kept:
                job.held_until = until
            elif self.held.get(job.target.id) is job:
                log.warning("checker %s: lost the lease of monitor %s", self.name, job.target.id)
                self.give_up(job)

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
        for item in batch:  # stored, or dropped because the lease was lost: let go
            if self.held.get(item.job.target.id) is item.job:
                del self.held[item.job.target.id]
        self.stored += len(observations)
        if self.region:  # detection's region quorum needs to know where a check ran
            observations = [dataclasses.replace(o, region=self.region) for o in observations]
        log.debug("stored %d in %.0f ms", len(observations), (time.perf_counter() - started) * 1000)
        await self._db(self.writes_db, detection.dispatch, observations)
        return len(observations)
