"""What every scenario runs on: the real checker loop and the real worker loop in
threads of this process, a local SMTP sink and a Slack-protocol receiver, short
intervals, and a timeline of what happened when.

Scenarios run in the process of ``aviso scenario`` against its own throwaway
SQLite data dir (see the command), never against a page people use.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import OperationalError, close_old_connections, connection
from django.test.utils import override_settings
from django.utils import timezone

from aviso.monitors.runner import Checker
from aviso.notify.testing import HttpReceiver, SmtpSink
from aviso.status import worker

log = logging.getLogger(__name__)


class ScenarioFailed(Exception):
    """A step did not happen within its time limit."""


@dataclass
class Step:
    name: str
    at: dt.datetime
    detail: str = ""


@dataclass
class Timeline:
    started: dt.datetime = field(default_factory=timezone.now)
    steps: list[Step] = field(default_factory=list)

    def mark(self, name: str, detail: str = "", at: dt.datetime | None = None) -> Step:
        step = Step(name, at or timezone.now(), detail)
        self.steps.append(step)
        return step

    def at(self, name: str) -> dt.datetime:
        return next(s.at for s in self.steps if s.name == name)

    def seconds(self, start: str, end: str) -> float:
        return (self.at(end) - self.at(start)).total_seconds()

    def render(self, title: str, durations: dict[str, float]) -> str:
        lines = [title, "=" * len(title)]
        for step in self.steps:
            offset = (step.at - self.started).total_seconds()
            detail = f"  ({step.detail})" if step.detail else ""
            lines.append(f"  +{offset:6.2f} s  {step.name}{detail}")
        lines.append("")
        lines += [f"  {name:<28} {value:6.2f} s" for name, value in durations.items()]
        return "\n".join(lines)


class _CheckerThread:
    def __init__(self) -> None:
        self.checker = Checker(
            "scenario", horizon=0.5, lease=30, flush_interval=0.1, jitter=0.1, block_private=False
        )
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._go()), daemon=True)
        self.thread.start()
        self.ready.wait(5)

    async def _go(self) -> None:
        self.loop, self.stop_event = asyncio.get_running_loop(), asyncio.Event()
        self.ready.set()
        await self.checker.run(self.stop_event)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(40)


class _WorkerThread:
    """``aviso worker``'s loop: outbox events (incident -> notices -> deliveries), then
    every registered job (sending, detection sweep, ...)."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    busy = worker.run_once("scenario-worker")
                except OperationalError:  # SQLite busy past its timeout: next turn
                    busy = False
                if not busy:
                    self.stopping.wait(0.1)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(30)


class Harness:
    """Receivers up, settings for short intervals, checker and worker running."""

    def __init__(self, resolve_after: float = 3.0) -> None:
        self.resolve_after = resolve_after
        self.timeline = Timeline()
        self.smtp = SmtpSink().up()
        self.slack = HttpReceiver().start()
        self._settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.smtp.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
            NOTIFY_ALLOW_PRIVATE=True,
            # Long enough that a loaded machine never cuts a send the receiver took:
            # a cut send is retried by design, and would read as a doubled alert.
            NOTIFY_WEBHOOK_TIMEOUT=10,
            DETECTION_RESOLVE_AFTER_SECONDS=resolve_after,
            DETECTION_SWEEP_SECONDS=0.5,
            # Flap damping counts up->degraded->down as three changes; its default
            # window of 10 checks would hold recovery for 10 s of 1-s checks.
            DETECTION_FLAP_WINDOW_CHECKS=5,
        )
        self._settings.enable()
        self._checker: _CheckerThread | None = None
        self._worker: _WorkerThread | None = None

    def start(self) -> None:
        self._checker = _CheckerThread()
        self._worker = _WorkerThread()

    def stop(self) -> None:
        if self._checker:
            self._checker.stop()
        if self._worker:
            self._worker.stop()
        self.slack.stop()
        self.smtp.down()
        self.smtp.sock.close()
        self._settings.disable()

    def slack_messages(self) -> list[dict]:
        return [r.json() for r in list(self.slack.requests) if r.path == "/slack"]

    def slack_delivery_keys(self) -> list[str]:
        """Each alert's delivery key (X-Aviso-Delivery): a key seen twice is a resend."""
        return [
            r.headers.get("X-Aviso-Delivery", "")
            for r in list(self.slack.requests)
            if r.path == "/slack"
        ]

    def wait_for(self, what: str, test: Callable[[], object], timeout: float = 30) -> object:
        """Poll ``test`` until it returns something true; ScenarioFailed after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            close_old_connections()
            try:
                value = test()
            except OperationalError:  # SQLite: a writer holds the lock; ask again
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"{what}: not within {timeout:.0f} s")
            time.sleep(0.05)
