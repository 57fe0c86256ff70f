"""The checker loop in-process, against a real local HTTP target."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from django.utils import timezone

from aviso.monitors.models import Monitor, Result
from aviso.monitors.probes import load_probes
from aviso.monitors.runner import Checker, next_due
from aviso.monitors.tests.factories import bulk_http_monitors
from aviso.monitors.tests.targets import HttpTarget

pytestmark = pytest.mark.django_db(transaction=True)

load_probes()  # here, not in the first test's timed window


def run_checker(seconds: float, **kwargs) -> Checker:
    return run_checkers(seconds, ["test"], **kwargs)[0]


def run_checkers(seconds: float, names: list[str], during=None, **kwargs) -> list[Checker]:
    """Run checkers side by side on one loop; ``during(checkers, stop)`` is awaited meanwhile."""
    options = {"horizon": 1.0, "lease": 30, "flush_interval": 0.2, **kwargs}
    checkers = [Checker(name, **options) for name in names]

    async def go():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        runs = [asyncio.create_task(c.run(stop)) for c in checkers]
        if during is not None:
            await during(checkers, stop)
        await asyncio.gather(*runs)

    asyncio.run(go())
    return checkers


async def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def monitor(name: str, url: str, *, timeout: float = 5, **fields) -> Monitor:
    fields.setdefault("next_due_at", timezone.now())
    return Monitor.objects.create(
        name=name, kind="http", config={"url": url}, interval_seconds=30,
        timeout_seconds=timeout, **fields,
    )  # fmt: skip


class TestChecker:
    def test_a_hanging_target_never_delays_the_others(self):
        fast, hanging = HttpTarget(), HttpTarget()
        hanging.mode, hanging.slow_seconds = "slow", 30
        try:
            start = timezone.now() + dt.timedelta(seconds=0.5)
            bulk_http_monitors(40, fast.url + "/", interval=10, spread=2, start=start)
            Monitor.objects.bulk_create(
                [Monitor(name=f"hang {i}", kind="http", config={"url": hanging.url + "/"},
                         interval_seconds=10, timeout_seconds=1.5, next_due_at=start)
                 for i in range(10)]
            )  # fmt: skip
            checker = run_checker(4.5)
        finally:
            fast.stop()
            hanging.stop()
        fast_results = Result.objects.filter(monitor__name__startswith="http")
        assert fast_results.count() == 40
        lags = [(r.checked_at - r.due_at).total_seconds() for r in fast_results]
        assert max(lags) < 0.5, max(lags)
        assert all(r.status == "up" for r in fast_results)
        hung = Result.objects.filter(monitor__name__startswith="hang")
        assert hung.count() == 10
        assert {r.message for r in hung} == {"timed out after 1.5 s"}
        assert checker.stored == 50
        # Every lease was given back or released; every monitor is due again later.
        assert not Monitor.objects.filter(claimed_until__isnull=False).exists()
        assert not Monitor.objects.filter(next_due_at__lt=start + dt.timedelta(seconds=9)).exists()

    def test_it_checks_each_monitor_on_its_own_interval(self):
        target = HttpTarget()
        try:
            Monitor.objects.bulk_create(
                [Monitor(name="every 10 s", kind="http", config={"url": target.url},
                         interval_seconds=10, next_due_at=timezone.now())]
            )  # fmt: skip
            run_checker(1.5, jitter=0)
        finally:
            target.stop()
        monitor = Monitor.objects.get()
        result = Result.objects.get()
        assert monitor.next_due_at == result.due_at + dt.timedelta(seconds=10)


class TestLeases:
    """Short leases, renewed: a slot is never run by two checkers at once."""

    def test_a_check_longer_than_its_lease_keeps_it_and_runs_once(self):
        slow = HttpTarget()
        slow.mode, slow.slow_seconds = "slow", 4.5
        try:
            monitor("slow", slow.url + "/", timeout=8)
            # Without renewals the 3-s lease lapses mid-check and the other checker,
            # claiming all the while, would run the same slot again.
            first, second = run_checkers(6.5, ["first", "second"], lease=3)
        finally:
            slow.stop()
        assert slow.hits == 1
        result = Result.objects.get()
        assert result.status == "up" and result.latency_ms > 4000
        assert first.stored + second.stored == 1
        assert first.lost == second.lost == 0

    def test_a_checker_that_lost_a_lease_stops_that_check(self):
        slow = HttpTarget()
        slow.mode, slow.slow_seconds = "slow", 6
        watched = monitor("slow", slow.url + "/", timeout=8)

        async def steal(checkers, stop):
            await until(lambda: slow.hits == 1)
            # Another checker took the row (as after a lapsed lease): the next
            # renewal finds it gone, and the running check is cancelled.
            await asyncio.to_thread(
                lambda: Monitor.objects.filter(pk=watched.pk).update(claimed_by="other")
            )
            await until(lambda: checkers[0].lost == 1)
            assert not checkers[0].running
            stop.set()  # before the lease lapses and this checker may claim it again

        try:
            run_checkers(30, ["mine"], during=steal, lease=3)
        finally:
            slow.stop()
        assert not Result.objects.exists()
        assert Monitor.objects.get().claimed_by == "other"


class TestLanes:
    def test_hanging_targets_fill_only_the_slow_lane(self):
        fast, hanging = HttpTarget(), HttpTarget()
        hanging.mode, hanging.slow_seconds = "slow", 30
        now = timezone.now()
        try:
            # Their last checks timed out: they run in the slow lane, at most half the
            # cap. Due first, they would otherwise take every slot for 3 s.
            for i in range(6):
                monitor(f"hang {i}", hanging.url + "/", timeout=3, last_latency_ms=3000,
                        next_due_at=now)  # fmt: skip
            for i in range(4):
                monitor(f"ok {i}", fast.url + "/", next_due_at=now + dt.timedelta(seconds=0.3))
            checker = run_checker(2.5, max_in_flight=4, slow_share=0.5)
        finally:
            fast.stop()
            hanging.stop()
        healthy = Result.objects.filter(monitor__name__startswith="ok")
        assert sorted(r.status for r in healthy) == ["up"] * 4
        assert hanging.hits == 2  # the slow lane's share; the others waited their turn
        hung = Result.objects.filter(monitor__name__startswith="hang")
        assert [r.message for r in hung] == ["timed out after 3 s"] * 2  # finished at the stop
        assert checker.stored == 6
        # The waiting ones were handed back at the stop, ready for the next checker.
        assert not Monitor.objects.filter(claimed_until__isnull=False).exists()


class TestNextDue:
    def test_it_keeps_the_schedule_without_drift(self):
        due = timezone.now()
        assert next_due(due, 30, due + dt.timedelta(seconds=2), 0) == due + dt.timedelta(seconds=30)

    def test_a_monitor_that_fell_behind_restarts_from_now(self):
        due = timezone.now() - dt.timedelta(minutes=5)
        now = timezone.now()
        assert now <= next_due(due, 30, now, 0.5) <= now + dt.timedelta(seconds=0.5)
