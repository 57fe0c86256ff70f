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
