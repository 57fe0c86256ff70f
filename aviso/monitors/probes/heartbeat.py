"""Heartbeat (push): jobs call /ping/<uuid>; silence past period + grace is "down".

As healthchecks does: a ``/fail`` ping is down at once; a ``/start`` ping with
no success ping within the grace time is down (the job hangs or died); a new
monitor that has never been pinged is "up" for its first period + grace.
"""

from __future__ import annotations

import datetime as dt

from aviso.monitors.choices import CheckStatus, PingKind
from aviso.monitors.configs import HeartbeatConf
from aviso.monitors.probes import Outcome, ProbeContext, Target


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: HeartbeatConf = target.config
    now = ctx.now()
    period = dt.timedelta(seconds=conf.period_seconds)
    grace = dt.timedelta(seconds=conf.grace_seconds)
    if target.last_ping_kind == PingKind.FAIL:
        return Outcome(CheckStatus.DOWN, None, conf.fail_message or "the job reported a failure")
    if target.last_ping_kind == PingKind.START and target.last_start_at:
        if now > target.last_start_at + grace:
            return Outcome(
                CheckStatus.DOWN, None, "started, but no success ping within the grace time"
            )
    since = target.last_ping_at or target.created_at or now  # last success ping
    late = now - (since + period)
    if late > grace:
        return Outcome(
            CheckStatus.DOWN, None, f"no ping for {int((now - since).total_seconds())} s"
        )
    if late > dt.timedelta(0):
        return Outcome(CheckStatus.UP, None, "late, within the grace time")
    return Outcome(CheckStatus.UP, None, "on time")
