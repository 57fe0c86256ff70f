"""Drive the checker's own units (claim, real probe, store) and the detection hook,
one check at a time, without waiting on the wall-clock schedule."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

from django.utils import timezone

from aviso.detection import engine
from aviso.monitors import store
from aviso.monitors.models import Monitor, MonitorRegionSlot
from aviso.monitors.probes import Outcome, ProbeContext, run_probe
from aviso.monitors.store import Done
from aviso.monitors.tests.factories import make_monitor  # noqa: F401 - re-exported


def check(monitor: Monitor, *, region: str = "", outcome: Outcome | None = None) -> list:
    """Claim the monitor, run its real probe (or take ``outcome``), store the result
    and hand the observations to detection, as the checker does."""
    now = timezone.now()
    Monitor.objects.filter(pk=monitor.pk).update(next_due_at=now, claimed_by="", claimed_until=None)
    MonitorRegionSlot.objects.filter(monitor=monitor, region=region).update(
        next_due_at=now, claimed_by="", claimed_until=None
    )
    jobs, broken = store.claim_due(
        "tests", until=now + dt.timedelta(seconds=1), lease=dt.timedelta(seconds=30),
        batch=100, region=region or None,
    )  # fmt: skip
    job = next(j for j in jobs if j.target.id == monitor.pk)
    if outcome is None:
        outcome = asyncio.run(run_probe(job.target, ProbeContext(block_private=False)))
    done = Done(job, now, outcome, now + dt.timedelta(seconds=job.interval))
    observations = store.save_results("tests", [done])
    if region:
        observations = [dataclasses.replace(o, region=region) for o in observations]
    engine.on_observations(observations)
    return observations


def check_batch(monitors: list[Monitor]) -> list:
    """Check every monitor at once and store the results as one batch, as the checker's
    flusher does in a broad outage; then hand them to detection together."""
    now = timezone.now()
    ids = [m.pk for m in monitors]
    Monitor.objects.filter(pk__in=ids).update(next_due_at=now, claimed_by="", claimed_until=None)
    jobs, _ = store.claim_due(
        "tests", until=now + dt.timedelta(seconds=1), lease=dt.timedelta(seconds=30),
        batch=len(ids) + 10,
    )  # fmt: skip
    jobs = [j for j in jobs if j.target.id in set(ids)]
    context = ProbeContext(block_private=False)

    async def probe_all():
        return await asyncio.gather(*(run_probe(j.target, context) for j in jobs))

    outcomes = asyncio.run(probe_all())
    done = [
        Done(j, now, o, now + dt.timedelta(seconds=j.interval))
        for j, o in zip(jobs, outcomes, strict=True)
    ]
    observations = store.save_results("tests", done)
    engine.on_observations(observations)
    return observations
