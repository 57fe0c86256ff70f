"""The worker's lanes: a job that takes long holds up only its own lane."""

from __future__ import annotations

import threading
import time

import pytest

from aviso.status import worker
from aviso.status.management.commands.worker import Command


@pytest.fixture
def only_these_jobs(monkeypatch):
    """The registry holding just the jobs a test registers."""
    monkeypatch.setattr(worker, "_jobs", {})
    monkeypatch.setattr(worker, "_wakeups", {})
    monkeypatch.setattr(worker, "_come_back", {})


class Lanes:
    """Each lane's loop of ``aviso worker`` on its own thread, stopped at the end."""

    def __init__(self, *lanes: str, poll: float) -> None:
        self.command = Command()
        self.command.shutdown = threading.Event()
        self.threads = [
            threading.Thread(target=self.command.loop, args=("test", lane, poll)) for lane in lanes
        ]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.command.shutdown.set()
        for lane in worker.lanes():
            worker.wake(lane)
        for thread in self.threads:
            thread.join(10)
            assert not thread.is_alive()


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.usefixtures("only_these_jobs")
class TestLanes:
    def test_the_main_lane_comes_first_then_the_others(self):
        worker.register_job("render", lambda name: False, lane="publish")
        worker.register_job("send", lambda name: False, lane="deliveries")
        worker.register_job("sweep", lambda name: False)
        assert worker.lanes() == [worker.MAIN, "deliveries", "publish"]

    def test_a_blocked_lane_does_not_hold_up_another(self):
        release, turns = threading.Event(), []
        worker.register_job("render", lambda name: release.wait(10), lane="slow")
        worker.register_job("send", lambda name: bool(turns.append(name)) and False, lane="fast")
        lanes = Lanes("slow", "fast", poll=0.01)
        try:
            wait_for(lambda: len(turns) >= 20)  # while the slow lane's job is still blocked
            assert not release.is_set()
        finally:
            release.set()
            lanes.stop()

    def test_a_nudge_wakes_an_idle_lane_at_once(self):
        turns = []
        worker.register_job("send", lambda name: bool(turns.append(time.monotonic())) and False,
                            lane="deliveries")  # fmt: skip
        lanes = Lanes("deliveries", poll=30)  # without the nudge: a 30-s sleep
        try:
            wait_for(lambda: len(turns) == 1)
            time.sleep(0.05)
            nudged = time.monotonic()
            worker.wake("deliveries")
            wait_for(lambda: len(turns) == 2, timeout=2)
            assert turns[1] >= nudged
        finally:
            lanes.stop()

    def test_a_job_can_ask_its_lane_to_come_back_sooner(self):
        turns = []

        def render(name: str) -> bool:
            turns.append(time.monotonic())
            worker.come_back_in("publish", 0.05)  # its quiet period ends in 50 ms
            return False

        worker.register_job("render", render, lane="publish")
        lanes = Lanes("publish", poll=30)
        try:
            wait_for(lambda: len(turns) >= 3, timeout=5)
        finally:
            lanes.stop()

    @pytest.mark.django_db
    def test_a_nudge_waits_for_the_commit(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            worker.nudge("deliveries")
            assert not worker._wakeup("deliveries").is_set()  # nothing committed to find yet
        assert worker._wakeup("deliveries").is_set()
