"""Hourly roll-ups (incremental), retention, and daily bars from roll-ups."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import override_settings

from aviso.monitors.models import Monitor, Result, Rollup, RollupCursor
from aviso.monitors.rollups import delete_old_results, p95, roll_up
from aviso.monitors.tests.factories import make_monitor
from aviso.monitors.uptime import (
    component_daily_uptime,
    monitor_daily_uptime,
    page_monitor_uptime,
    window_percent,
)
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


def results(monitor, hour: dt.datetime, statuses: str, latencies: list[float | None]):
    Result.objects.bulk_create(
        Result(monitor=monitor, due_at=hour + dt.timedelta(minutes=i),
               checked_at=hour + dt.timedelta(minutes=i), status={"u": "up", "d": "down",
               "g": "degraded"}[s], latency_ms=ms)
        for i, (s, ms) in enumerate(zip(statuses, latencies, strict=True))
    )  # fmt: skip


def insert_hourly_rollups(monitor_ids: list[int], start: dt.datetime, hours: int) -> None:
    """60 "up" checks an hour for each monitor, ``hours`` hours from ``start``."""
    columns = (
        "INSERT INTO monitors_rollup (monitor_id, hour, up, down, degraded, latency_min,"
        " latency_avg, latency_max, latency_p95) "
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                columns + "SELECT m, h, 60, 0, 0, 5, 8, 20, 15 FROM unnest(%s::bigint[]) m,"  # noqa: S608 - constant SQL
                " generate_series(%s::timestamptz, %s::timestamptz, interval '1 hour') h",
                [monitor_ids, start, start + dt.timedelta(hours=hours - 1)],
            )
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            columns + "VALUES (%s, %s, 60, 0, 0, 5, 8, 20, 15)",
            [(m, adapt(start + dt.timedelta(hours=i))) for m in monitor_ids for i in range(hours)],
        )


class TestRollUp:
    def test_it_rolls_up_each_closed_hour_once(self):
        a, b = make_monitor("a"), make_monitor("b")
        results(a, T0, "uuugd", [10, 20, 30, 400, None])
        results(b, T0, "uu", [5, 7])
        results(a, T0 + dt.timedelta(hours=1), "u", [11])
        results(a, T0 + dt.timedelta(hours=2), "u", [12])  # the open hour at "now"
        now = T0 + dt.timedelta(hours=2, minutes=30)
        assert roll_up(now) == 2
        first = Rollup.objects.get(monitor=a, hour=T0)
        assert (first.up, first.degraded, first.down) == (3, 1, 1)
        assert (first.latency_min, first.latency_max, first.latency_avg) == (10, 400, 115)
        assert first.latency_p95 == 400
        assert Rollup.objects.get(monitor=b, hour=T0).up == 2
        assert not Rollup.objects.filter(hour=T0 + dt.timedelta(hours=2)).exists()
        assert roll_up(now) == 0  # nothing new: nothing redone
        assert roll_up(now + dt.timedelta(hours=1)) == 1  # the next hour closes
        assert Rollup.objects.count() == 4

    def test_it_jumps_over_empty_stretches_in_few_queries(self, django_assert_max_num_queries):
        monitor = make_monitor()
        results(monitor, T0, "u", [1])
        results(monitor, T0 + dt.timedelta(days=30), "u", [1])
        with django_assert_max_num_queries(40):
            assert roll_up(T0 + dt.timedelta(days=31)) == 2
        assert RollupCursor.objects.get().rolled_until == T0 + dt.timedelta(days=31) - dt.timedelta(
            hours=1
        )

    def test_p95_is_the_nearest_rank(self):
        assert p95(list(range(1, 101))) == 95
        assert p95([3.0]) == 3.0


class TestRetention:
    @override_settings(MONITOR_RESULT_RETENTION_DAYS=7)
    def test_it_deletes_old_results_only_once_rolled_up(self):
        monitor = make_monitor()
        results(monitor, T0, "uu", [1, 2])
        results(monitor, T0 + dt.timedelta(days=8), "u", [1])
        now = T0 + dt.timedelta(days=8, hours=2)
        assert delete_old_results(now) == 0  # nothing rolled up yet
        roll_up(T0 + dt.timedelta(hours=2))
        assert delete_old_results(now) == 2
        assert Result.objects.count() == 1
        assert Rollup.objects.get().up == 2  # the roll-up outlives the raw rows


class TestDailyUptime:
    def test_a_year_of_rollups_for_10_monitors_renders_90_bars_in_one_query(
        self, django_assert_num_queries
    ):
        page = make_page()
        components = [make_component(page, f"c{i}") for i in range(5)]
        # bench/scale.py times the same at 50 monitors.
        monitors = [make_monitor(f"m{i}", component=components[i % 5]) for i in range(10)]
        now = dt.datetime(2026, 6, 30, 12, 30, tzinfo=dt.UTC)
        start = now.replace(minute=0) - dt.timedelta(days=365)
        bad_day = dt.date(2026, 6, 1)  # monitor 0 is down for an hour that day (UTC)
        # Inserted in SQL: 87,600 ORM objects would take the test a while.
        hours = int((now - start).total_seconds() // 3600) + 1
        insert_hourly_rollups([m.pk for m in monitors], start, hours)
        Rollup.objects.filter(
            monitor=monitors[0], hour=dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
        ).update(up=0, down=60)
        assert Rollup.objects.count() == 10 * hours >= 10 * 24 * 365

        with django_assert_num_queries(1):
            bars = monitor_daily_uptime([m.pk for m in monitors], days=90, now=now)
        with django_assert_num_queries(1):
            by_component = component_daily_uptime([c.pk for c in components], days=90, now=now)

        assert all(len(days) == 90 for days in bars.values())
        first = bars[monitors[0].pk]
        assert first[-1].date == dt.date(2026, 6, 30)
        day = next(d for d in first if d.date == bad_day)
        assert (day.worst, day.down, round(day.uptime, 2)) == ("down", 60, round(100 * 23 / 24, 2))
        assert all(d.worst == "up" for d in first if d.date != bad_day)
        assert first[-1].up == 60 * 13  # today so far: the hours 00:00 to 12:00
        assert round(window_percent(first), 3) == round(100 * (1 - 1 / (24 * 89 + 13)), 3)
        component_day = next(d for d in by_component[components[0].pk] if d.date == bad_day)
        assert (component_day.down, component_day.up) == (60, 2 * 24 * 60 - 60)

    def test_days_follow_the_page_zone_and_missing_data_is_no_data(self):
        monitor = make_monitor()
        zone = zoneinfo.ZoneInfo("America/Guayaquil")  # UTC-5
        Rollup.objects.create(
            monitor=monitor, hour=dt.datetime(2026, 6, 2, 3, tzinfo=dt.UTC), down=1
        )
        now = dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)
        bars = monitor_daily_uptime([monitor.pk], days=3, zone=zone, now=now)[monitor.pk]
        assert [(b.date.day, b.css_class) for b in bars] == [
            (1, "down"),
            (2, "nodata"),
            (3, "nodata"),
        ]
        assert Monitor.objects.count() == 1


class TestPageMonitorUptime:
    def test_it_gives_status_shaped_bars_for_components_with_monitors(
        self, django_assert_num_queries
    ):
        page = make_page(time_zone="UTC")
        watched, unwatched = make_component(page, "API"), make_component(page, "Docs")
        monitor = make_monitor(component=watched)
        now = dt.datetime(2026, 6, 3, 12, tzinfo=dt.UTC)
        Rollup.objects.create(monitor=monitor, hour=dt.datetime(2026, 6, 2, 3, tzinfo=dt.UTC),
                              up=3, degraded=1)  # fmt: skip
        with django_assert_num_queries(2):
            uptime = page_monitor_uptime(page, days=3, now=now)
        assert set(uptime) == {watched.pk} and unwatched.pk not in uptime
        days = uptime[watched.pk].days
        assert [d.css_class for d in days] == ["nodata", "degraded_performance", "nodata"]
        assert (days[1].uptime, uptime[watched.pk].percent) == (100.0, 100.0)


class TestWorkerJobs:
    def test_the_worker_runs_roll_ups_and_retention_at_most_once_a_minute(self):
        from aviso.monitors import rollups
        from aviso.status.worker import jobs

        assert jobs()["monitors.rollup"] is rollups.rollup_job
        assert jobs()["monitors.retention"] is rollups.retention_job
        rollups._last_run.clear()
        monitor = make_monitor()
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
        results(monitor, old.replace(minute=0, second=0, microsecond=0), "uu", [1, 2])
        assert rollups.rollup_job("w") is True
        assert rollups.rollup_job("w") is False  # throttled
        assert Rollup.objects.get().up == 2
        assert rollups.retention_job("w") is True
        assert not Result.objects.exists()
