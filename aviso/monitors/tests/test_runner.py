"""The checker loop in-process, against a real local HTTP target."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from django.utils import timezone

from aviso.monitors.models import Monitor, Result
from aviso.monitors.runner import Checker, next_due
from aviso.monitors.tests.factories import bulk_http_monitors
from aviso.monitors.tests.targets import HttpTarget

pytestmark = pytest.mark.django_db(transaction=True)


def run_checker(seconds: float, **kwargs) -> Checker:
    checker = Checker("test", horizon=1.0, lease=30, flush_interval=0.2, **kwargs)

    async def go():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await checker.run(stop)

    asyncio.run(go())
    return checker


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


class TestNextDue:
    def test_it_keeps_the_schedule_without_drift(self):
        due = timezone.now()
        assert next_due(due, 30, due + dt.timedelta(seconds=2), 0) == due + dt.timedelta(seconds=30)

    def test_a_monitor_that_fell_behind_restarts_from_now(self):
        due = timezone.now() - dt.timedelta(minutes=5)
        now = timezone.now()
        assert now <= next_due(due, 30, now, 0.5) <= now + dt.timedelta(seconds=0.5)
