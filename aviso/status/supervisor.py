"""Keeping ``aviso up``'s children alive: one that dies is restarted, the others run on.

A worker killed in the middle of a fan-out must not take the public page down
with it, nor leave the rest of the fan-out waiting for someone to notice. Each
child that exits (while the supervisor is not stopping) is started again after
a backoff that doubles with every exit that came soon after its start (a
child crashing at start-up is not restarted in a tight loop) and resets once
a child has lived ``STABLE_AFTER`` seconds. Every exit and restart is logged,
and the supervisor writes its children's state (pids, restarts, the last exit)
to a small JSON file that ``/healthz`` reads; no database is needed for that,
so a supervisor keeps its children alive through a database outage too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MIN_BACKOFF = 1.0  # seconds before the first restart
STABLE_AFTER = 60.0  # a child that lived this long starts again with the shortest backoff
STOP_TIMEOUT = 10.0  # seconds a child has to stop on SIGTERM before it is killed
STATE_EVERY = 5.0  # the state file is rewritten at least this often (healthz: not stale)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    quick_exits: int = 0  # exits in a row soon after a start: the backoff's exponent
    restart_at: float | None = None  # monotonic time of the next start, while down
    last_exit: int | None = None
    last_exit_at: str = ""
    last_restart_at: str = ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def state(self) -> dict:
        return {
            "pid": self.proc.pid if self.running else None,
            "state": "running" if self.running else "restarting",
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "last_exit_at": self.last_exit_at,
            "last_restart_at": self.last_restart_at,
        }


class Supervisor:
    """Starts ``children`` (name -> argv), restarts any that exits, stops them all on request."""

    def __init__(
        self,
        children: dict[str, list[str]],
        *,
        env: dict[str, str] | None = None,
        log: Callable[[str], None] = print,
        state_path: Path | None = None,
        max_backoff: float = 30.0,
    ) -> None:
        self.children = {name: Child(name, argv) for name, argv in children.items()}
        self.env = env
        self.log = log
        self.state_path = state_path
        self.max_backoff = max_backoff
        self._state_written = 0.0

    def backoff(self, child: Child) -> float:
        return min(self.max_backoff, MIN_BACKOFF * 2 ** max(child.quick_exits - 1, 0))

    def _start(self, child: Child) -> None:
        # Our own argv (``python -m aviso VERB``), never anything a request supplied.
        child.proc = subprocess.Popen(child.argv, env=self.env)  # noqa: S603
        child.started_at = time.monotonic()
        child.restart_at = None

    def start(self, names: list[str] | None = None) -> None:
        """Start the children named (all by default) that were never started."""
        for name, child in self.children.items():
            if child.proc is None and (names is None or name in names):
                self._start(child)
        self.write_state()

    def start_first(
        self, names: list[str], ready: Callable[[], bool], stopping: Callable[[], bool],
        timeout: float = 60.0, tick: float = 0.05,
    ) -> bool:  # fmt: skip
        """Start ``names`` alone and wait until ``ready()`` (or ``timeout``); True if ready.

        A restart of ``aviso up`` serves sooner when the web process has the CPU to
        itself: the worker and checker, each a Django start-up of their own, wait."""
        self.start(names)
        deadline = time.monotonic() + timeout
        while not stopping() and time.monotonic() < deadline:
            if ready():
                return True
            self.check()
            time.sleep(tick)
        return False

    def check(self) -> bool:
        """One turn: note exits, restart the children whose backoff is over. True on a change."""
        now = time.monotonic()
        changed = False
        for child in self.children.values():
            if child.proc is not None and child.restart_at is None and not child.running:
                child.last_exit = child.proc.returncode
                child.last_exit_at = _now_iso()
                lived = now - child.started_at
                child.quick_exits = 1 if lived >= STABLE_AFTER else child.quick_exits + 1
                delay = self.backoff(child)
                child.restart_at = now + delay
                self.log(
                    f"{child.name} exited with {child.last_exit} after {lived:.0f}s; "
                    f"restarting in {delay:g}s (the others keep running)"
                )
                changed = True
            elif child.restart_at is not None and now >= child.restart_at:
                self._start(child)
                child.restarts += 1
                child.last_restart_at = _now_iso()
                self.log(f"{child.name} restarted (pid {child.proc.pid}, restart {child.restarts})")
                changed = True
        if changed or now - self._state_written >= STATE_EVERY:
            self.write_state()
        return changed

    def run(self, stopping: Callable[[], bool], tick: float = 0.2) -> None:
        self.start()
        try:
            while not stopping():
                self.check()
                time.sleep(tick)
        finally:
            self.stop()

    def stop(self) -> None:
        for child in self.children.values():
            if child.running:
                child.proc.terminate()
        for child in self.children.values():
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        if self.state_path is not None:
            self.state_path.unlink(missing_ok=True)

    def state(self) -> dict:
        return {
            "pid": os.getpid(),
            "updated_at": _now_iso(),
            "children": {name: child.state() for name, child in self.children.items()},
        }

    def write_state(self) -> None:
        self._state_written = time.monotonic()
        if self.state_path is None:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, prefix=".supervisor-")
            with os.fdopen(fd, "w") as out:
                json.dump(self.state(), out)
            os.replace(tmp, self.state_path)
        except OSError as exc:  # a full disk must not stop the supervision itself
            self.log(f"could not write {self.state_path}: {exc}")


def supervisor_state_path() -> Path:
    """Where ``aviso up`` keeps its children's state, in the data dir it shares with them."""
    return Path(settings.DATA_DIR) / "supervisor.json"


def read_state(path: Path, stale_after: float = 3 * STATE_EVERY) -> dict | None:
    """The supervisor's last written state, with ``stale`` set when it stopped writing it."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    try:
        written = dt.datetime.fromisoformat(state["updated_at"])
    except (KeyError, TypeError, ValueError):
        return None
    state["stale"] = (dt.datetime.now(dt.UTC) - written).total_seconds() > stale_after
    return state
