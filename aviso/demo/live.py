"""The demo is alive: a synthetic service per demo component, and a monitor on each.

``aviso up --demo`` starts one small HTTP service per component on 127.0.0.1
(free ports, in a thread of the ``up`` process, so they stop with it) and
points the demo's monitors at them through the monitors lifecycle, so checks,
bars and response-time charts move from the first minute. Each service answers
``/health`` with "ok" after a latency that drifts and jitters like a real one.

``aviso scenario NAME --on-demo`` breaks and mends them (see ``aviso.demo.plays``)
without a connection of its own: it writes the wanted modes to a file in the
data dir, which every service reads a few times a second. Modes: ``ok``,
``slow`` (past the monitors' degraded threshold), ``down`` (503) and
``closed`` (nothing listens on the port).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import random
import time
from pathlib import Path

from aiohttp import web
from django.conf import settings

from aviso.scenarios.services import LoopThread

log = logging.getLogger(__name__)

MODES = ("ok", "slow", "down", "closed")
# Typical response time per demo component, in milliseconds.
BASE_MS = {
    "WhatsApp Messaging Service": 90,
    "Facebook Messenger": 60,
    "Instagram Direct": 70,
    "Web Chat": 40,
    "Bot Platform": 120,
    "Workflows & Integrations": 80,
    "Databases": 15,
    "Console & API": 50,
}
SLOW_MS = 1500
DEGRADED_MS = 800  # the demo monitors' threshold: "slow" is past it, "ok" never is
POLL_SECONDS = 0.3


def demo_dir() -> Path:
    path = Path(settings.DATA_DIR) / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def modes_path() -> Path:
    return demo_dir() / "modes.json"


def services_path() -> Path:
    return demo_dir() / "services.json"


def read_modes() -> dict[str, str]:
    try:
        modes = json.loads(modes_path().read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(modes, dict):
        return {}
    return {str(k): str(v) for k, v in modes.items() if v in MODES}


def write_modes(modes: dict[str, str]) -> None:
    """Replace the wanted modes at once (a reader never sees half a file)."""
    path = modes_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(modes))
    os.replace(tmp, path)


def latency_ms(name: str, now: float) -> float:
    """A drifting, jittering response time: a ten-minute swell and some noise."""
    base = BASE_MS.get(name, 60)
    swell = 1 + 0.35 * math.sin(2 * math.pi * now / 600 + len(name))
    return max(1.0, base * swell * random.uniform(0.75, 1.3))  # noqa: S311 - not security


class SyntheticService:
    """One component's stand-in: ``/health`` on 127.0.0.1 at a free port."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.mode = "ok"
        self.port = 0
        self.site: web.TCPSite | None = None

    async def _health(self, request: web.Request) -> web.Response:
        if self.mode == "down":
            return web.Response(status=503, text=f"{self.name}: unavailable")
        delay = SLOW_MS if self.mode == "slow" else latency_ms(self.name, time.time())
        await asyncio.sleep(delay / 1000 * random.uniform(0.9, 1.1))  # noqa: S311
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/health", self._health)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        self.site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await self.site.start()
        self.port = self.site._server.sockets[0].getsockname()[1]

    async def set_mode(self, mode: str) -> None:
        if mode == self.mode:
            return
        if mode == "closed" and self.site is not None:
            await self.site.stop()
            self.site = None
        elif mode != "closed" and self.site is None:
            await self._listen()
        self.mode = mode

    async def stop(self) -> None:
        await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"


class DemoServices:
    """The demo's services on a loop thread of their own; ``stop()`` closes every port."""

    def __init__(self, names: list[str]) -> None:
        self.loops = LoopThread()
        self.services = {name: SyntheticService(name) for name in names}
        write_modes({})
        for service in self.services.values():
            self.loops.run(service.start())
        self._watching = asyncio.run_coroutine_threadsafe(self._watch(), self.loops.loop)
        services_path().write_text(
            json.dumps({"pid": os.getpid(), "ports": {n: s.port for n, s in self.services.items()}})
        )

    async def _watch(self) -> None:
        while True:
            modes = read_modes()
            for name, service in self.services.items():
                try:
                    await service.set_mode(modes.get(name, "ok"))
                except OSError:
                    # Its port was taken while closed: say so, keep the others going.
                    log.exception("demo service %s cannot listen on :%s", name, service.port)
            await asyncio.sleep(POLL_SECONDS)

    def stop(self) -> None:
        self._watching.cancel()
        for service in self.services.values():
            self.loops.run(service.stop())
        self.loops.stop()
        services_path().unlink(missing_ok=True)
        modes_path().unlink(missing_ok=True)


def running_demo() -> dict | None:
    """What a running ``aviso up --demo`` on this data dir wrote; None when none runs."""
    try:
        info = json.loads(services_path().read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return info
