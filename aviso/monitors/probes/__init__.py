"""Probes: one module per kind, each an ``async def probe(target, ctx) -> Outcome``.

Probes never touch the ORM: the checker hands them a ``Target`` (a snapshot of
the monitor row) and stores what they return. ``run_probe`` enforces the
monitor's timeout and turns any exception into a "down" outcome, so one bad
target or one probe bug never stops the checker.

Every probe that connects gets its address from ``ctx.address(host, port)``
(the address guard, ``aviso.lib.netguard``) and connects to what it returns,
never to the name again; its configuration lists the hosts it connects to
(``endpoints()``), which are checked when the monitor is saved and again by
``run_probe`` before the probe runs (a literal address the policy refuses
never reaches the probe; a configuration that does not list its hosts fails). A probe's
message is its own verdict, never what the target sent: the console shows it
to people who could not otherwise read that target (tests in
``aviso/hostile/tests/test_outbound.py`` walk every kind registered here).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aviso.lib.netguard import (
    BlockedAddress,
    IPNetwork,
    Policy,
    UnresolvedHost,
    aresolve,
    check_host,
)
from aviso.monitors.choices import CheckStatus

log = logging.getLogger(__name__)


@dataclass
class Target:
    id: int
    kind: str
    config: Any  # the kind's pydantic model
    timeout: float
    probe_state: dict | None = None
    last_ping_at: dt.datetime | None = None
    last_ping_kind: str = ""
    last_start_at: dt.datetime | None = None
    created_at: dt.datetime | None = None


@dataclass
class Outcome:
    status: CheckStatus
    latency_ms: float | None = None
    message: str = ""
    metrics: dict | None = None
    probe_state: dict | None = None  # stored on the monitor for the next check


@dataclass
class ProbeContext:
    block_private: bool = False
    allow: tuple[IPNetwork, ...] = ()  # settings.OUTBOUND_ALLOW
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    browser_executable: str = "/usr/bin/chromium"  # settings.BROWSER_EXECUTABLE
    screenshot_dir: str = ""  # where the browser kind keeps a failure's screenshot
    policy: Policy = field(init=False)

    def __post_init__(self) -> None:
        self.policy = Policy(block_private=self.block_private, allow=self.allow)

    async def address(self, host: str, port: int) -> str:
        """The checked address to connect to for ``host`` (``BlockedAddress`` if refused)."""
        return await aresolve(host, port, self.policy)


Probe = Callable[[Target, ProbeContext], Awaitable[Outcome]]


def cannot_connect(error: OSError) -> Outcome:
    """A "down" outcome for a failed connect, in the system's words for its errno."""
    reason = os.strerror(error.errno) if error.errno else error.strerror or type(error).__name__
    return Outcome(CheckStatus.DOWN, None, f"cannot connect: {reason}")


def worst(*statuses: CheckStatus) -> CheckStatus:
    return max(statuses, key=lambda s: s.severity)


def by_threshold(value: float, warn: float, critical: float) -> CheckStatus:
    if value >= critical:
        return CheckStatus.DOWN
    if value >= warn:
        return CheckStatus.DEGRADED
    return CheckStatus.UP


# Each kind's module, in this package, defines ``probe``.
KINDS = (
    "http", "tls", "tcp", "dns", "heartbeat", "postgres", "redis",
    "mysql", "smtp", "websocket", "mqtt", "amqp", "nats", "grpc", "ping", "browser",
)  # fmt: skip


def probes() -> dict[str, Probe]:
    return {kind: importlib.import_module(f"{__name__}.{kind}").probe for kind in KINDS}


_PROBES: dict[str, Probe] = {}


def load_probes() -> None:
    """Import every probe module (about a second): a checker does it before its first
    claim, so the first checks are not held up behind the imports."""
    if not _PROBES:
        _PROBES.update(probes())


async def run_probe(target: Target, ctx: ProbeContext) -> Outcome:
    load_probes()
    started = time.perf_counter()
    try:
        for _field, host, _port in target.config.endpoints():
            check_host(host, ctx.policy)
        async with asyncio.timeout(target.timeout):
            return await _PROBES[target.kind](target, ctx)
    except TimeoutError:
        return Outcome(
            CheckStatus.DOWN,
            (time.perf_counter() - started) * 1000,
            f"timed out after {target.timeout:g} s",
        )
    except BlockedAddress as error:
        return Outcome(CheckStatus.DOWN, None, str(error)[:300])
    except UnresolvedHost as error:  # names the configured host, nothing the target sent
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {error}"[:300])
    except Exception as error:  # a probe's failure is the target's state, never the checker's
        # The exception's text may quote what the target sent: the log keeps it, the
        # message (shown in the console) names only its kind.
        log.info("monitor %s: %s probe failed", target.id, target.kind, exc_info=True)
        return Outcome(CheckStatus.DOWN, None, f"probe error ({type(error).__name__})")
