"""One check run now, outside the schedule: the console's "test now".

It runs through ``run_probe`` with the checker's own context (address guard,
browser, screenshots), so a trial sees exactly what a scheduled check would,
and stores nothing: no result, no state change, no incident.
"""

from __future__ import annotations

import asyncio

from django.conf import settings

from aviso.monitors.conf_base import _Conf
from aviso.monitors.models import Monitor
from aviso.monitors.probes import Outcome, ProbeContext, Target, run_probe

MAX_TRIAL_SECONDS = 30.0  # a console request should not hang longer than this


def checker_context() -> ProbeContext:
    """The probe context every check runs with, from the settings."""
    return ProbeContext(
        block_private=settings.OUTBOUND_BLOCK_PRIVATE,
        allow=settings.OUTBOUND_ALLOW,
        browser_executable=settings.BROWSER_EXECUTABLE,
        screenshot_dir=str(settings.DATA_DIR / "screenshots"),
    )


def run_once(kind: str, conf: _Conf, timeout: float, monitor: Monitor | None = None) -> Outcome:
    """One check of ``conf`` (already validated by ``lifecycle.trial_settings``).

    ``monitor``: the monitor being edited, whose heartbeat pings the trial reads.
    """
    target = Target(id=monitor.pk if monitor else 0, kind=kind, config=conf,
                    timeout=min(timeout, MAX_TRIAL_SECONDS))  # fmt: skip
    if monitor is not None:
        target.last_ping_at, target.last_ping_kind = monitor.last_ping_at, monitor.last_ping_kind
        target.last_start_at, target.created_at = monitor.last_start_at, monitor.created_at
    return asyncio.run(run_probe(target, checker_context()))
