from __future__ import annotations

import json
import os
import signal
import sys
import time

import pytest

from aviso.status import supervisor as supervision
from aviso.status.supervisor import Supervisor, read_state

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


def _until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def lines():
    return []


@pytest.fixture
def running(tmp_path, lines):
    started = []

    def make(children, **options):
        sup = Supervisor(children, log=lines.append, state_path=tmp_path / "s.json", **options)
        sup.start()
        started.append(sup)
        return sup

    yield make
    for sup in started:
        sup.stop()


class TestSupervisor:
    def test_it_restarts_a_killed_child_and_leaves_the_others_alone(self, running, lines):
        sup = running({"web": SLEEPER, "worker": SLEEPER})
        web, worker = sup.children["web"].proc.pid, sup.children["worker"].proc.pid
        os.kill(worker, signal.SIGKILL)
        _until(lambda: sup.check() and sup.children["worker"].running)
        assert sup.children["worker"].proc.pid != worker
        assert sup.children["worker"].restarts == 1
        assert sup.children["web"].proc.pid == web and sup.children["web"].restarts == 0
        assert any("worker exited with -9" in line and "restarting in 1s" in line for line in lines)
        assert any("worker restarted" in line for line in lines)

    def test_it_backs_off_a_child_that_keeps_crashing(self, running, monkeypatch):
        monkeypatch.setattr(supervision, "MIN_BACKOFF", 0.05)
        sup = running({"bad": CRASHER, "good": SLEEPER}, max_backoff=0.4)
        child = sup.children["bad"]
        delays = []
        deadline = time.monotonic() + 15
        while len(delays) < 5 and time.monotonic() < deadline:
            sup.check()
            if child.restart_at is not None and (not delays or delays[-1][0] != child.quick_exits):
                delays.append((child.quick_exits, sup.backoff(child)))
            time.sleep(0.01)
        assert [d for _, d in delays] == [0.05, 0.1, 0.2, 0.4, 0.4]
        assert sup.children["good"].running and sup.children["good"].restarts == 0
        assert child.last_exit == 3

    def test_it_writes_its_state_for_healthz_and_removes_it_on_a_clean_stop(
        self, running, tmp_path
    ):
        sup = running({"worker": SLEEPER})
        state = read_state(tmp_path / "s.json")
        assert state["children"]["worker"]["state"] == "running"
        assert state["children"]["worker"]["pid"] == sup.children["worker"].proc.pid
        assert state["stale"] is False
        sup.stop()
        assert not (tmp_path / "s.json").exists()
        assert not sup.children["worker"].running

    def test_a_state_file_no_longer_written_reads_as_stale(self, tmp_path):
        path = tmp_path / "s.json"
        path.write_text(json.dumps({"updated_at": "2020-01-01T00:00:00+00:00", "children": {}}))
        assert read_state(path)["stale"] is True
        path.write_text("not json")
        assert read_state(path) is None


class TestStartingWebFirst:
    def test_the_others_start_only_once_the_first_is_ready(self, tmp_path, lines):
        sup = Supervisor({"web": SLEEPER, "worker": SLEEPER}, log=lines.append,
                         state_path=tmp_path / "s.json")  # fmt: skip
        asked = []

        def ready():
            asked.append(sup.children["worker"].proc)
            return len(asked) >= 3

        try:
            assert sup.start_first(["web"], ready, stopping=lambda: False, tick=0.01)
            assert sup.children["web"].running
            assert asked == [None, None, None]  # the worker waited for web all along
            sup.start()
            assert sup.children["worker"].running
            assert sup.children["web"].restarts == 0  # started once, not again
        finally:
            sup.stop()

    def test_it_gives_up_waiting_after_the_timeout(self, tmp_path, lines):
        sup = Supervisor({"web": SLEEPER}, log=lines.append, state_path=tmp_path / "s.json")
        try:
            assert not sup.start_first(["web"], lambda: False, lambda: False, timeout=0.2)
            assert sup.children["web"].running
        finally:
            sup.stop()
