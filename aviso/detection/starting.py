"""The instance's own services, while the instance starts: not an outage.

A monitor of Aviso's own address (its ``/healthz``, its public page) fails for a
few seconds at every restart of ``aviso up``: the checker is up before the web
process answers. Detection holds back a new outage while every failing check is
of the instance itself and the instance started within
``DETECTION_SELF_START_GRACE_SECONDS`` (default 60): this checker process
started then, or ``aviso up`` says its web child is restarting or started then.
A failure that outlasts the grace opens its incident as any other; an outage
already open is never held back.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

from django.conf import settings

from aviso.status.supervisor import read_state, supervisor_state_path

PROCESS_STARTED = time.monotonic()  # this process: the checker, where detection runs
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def grace() -> float:
    return float(getattr(settings, "DETECTION_SELF_START_GRACE_SECONDS", 60))


def _port(parts) -> int | None:
    try:
        return parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    except ValueError:
        return None


def targets_instance(monitor) -> bool:
    """Whether the monitor checks this instance's own address (by ``AVISO_BASE_URL``,
    or the loopback at its port)."""
    url = (monitor.config or {}).get("url") if isinstance(monitor.config, dict) else None
    if not isinstance(url, str):
        return False
    mine, theirs = urlsplit(settings.BASE_URL), urlsplit(url)
    host = (theirs.hostname or "").lower()
    if _port(theirs) != _port(mine):
        return False
    return host == (mine.hostname or "").lower() or host in LOOPBACK


def _age_of(pid: int) -> float | None:
    """Seconds since process ``pid`` started (Linux /proc), None when unknown."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
        started_ticks = int(fields[19])
        uptime = float(open("/proc/uptime").read().split()[0])  # noqa: SIM115
    except (OSError, ValueError, IndexError):
        return None
    return uptime - started_ticks / os.sysconf("SC_CLK_TCK")


def instance_starting() -> bool:
    window = grace()
    if time.monotonic() - PROCESS_STARTED < window:
        return True
    state = read_state(supervisor_state_path())
    if not state or state.get("stale"):
        return False
    web = (state.get("children") or {}).get("web") or {}
    if web.get("state") == "restarting":
        return True
    age = _age_of(web["pid"]) if web.get("pid") else None
    return age is not None and age < window
