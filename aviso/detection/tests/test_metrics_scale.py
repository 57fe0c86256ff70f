"""``/metrics`` at scale: a fixed number of queries, and the results query on its index.

The timing is measured by ``bench/metrics_scrape.py`` (50,000 monitors); here
only what decides it: the recent-checks query never scans the results table.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aviso.detection import views
from aviso.detection.views import COUNT_CAP, RECENT, SAMPLE
from aviso.monitors.models import Monitor, Result

pytestmark = pytest.mark.django_db


def _results(monitors: int, per_monitor: int) -> None:
    """Monitors with one result a minute, each started 2 s after its slot, newest 30 s ago."""
    now = timezone.now() - dt.timedelta(seconds=30)
    created = Monitor.objects.bulk_create(
        Monitor(name=f"m{i}", kind="tcp", config={"host": "127.0.0.1", "port": 9})
        for i in range(monitors)
    )
    Result.objects.bulk_create(
        Result(monitor=m, due_at=now - dt.timedelta(minutes=k), status="up", latency_ms=k,
               checked_at=now - dt.timedelta(minutes=k) + dt.timedelta(seconds=2))
        for m in Monitor.objects.filter(pk__in=[c.pk for c in created]) for k in range(per_monitor)
    )  # fmt: skip


def _scrape(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ken")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        # A test table is tiny, where a sequential scan is cheapest: ask whether the
        # index can serve the query at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


class TestMetricsAtScale:
    @pytest.fixture(autouse=True)
    def _token(self, settings):
        settings.METRICS_TOKEN = "t0ken"

    def test_its_query_count_does_not_grow_with_monitors_or_results(self, client):
        _results(2, 3)
        _, few = _scrape(client)
        _results(40, 20)
        body, many = _scrape(client)
        assert few == many
        # 2 x 3 results, then 40 monitors x 5 in the window (slots 0 to 4 minutes before).
        assert "aviso_checks_recent 206" in body.splitlines()
        lag = next(line for line in body.splitlines() if line.startswith("aviso_schedule_lag"))
        assert float(lag.split()[-1]) == pytest.approx(2.0, abs=0.01)

    def test_the_recent_checks_query_reads_its_index_not_the_table(self, client):
        _results(3, 10)
        with CaptureQueriesContext(connection) as queries:
            _scrape(client)
        table = Result._meta.db_table
        reads = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
        assert reads
        since = timezone.now() - RECENT
        recent = Result.objects.filter(checked_at__gte=since).order_by()
        for query in (recent[:COUNT_CAP], recent.order_by("-checked_at")[:SAMPLE]):
            sql, params = query.values("checked_at", "due_at", "latency_ms").query.sql_with_params()
            plan = _plan(sql, params)
            assert "result_checked_at" in plan, plan
            assert f"SCAN {table}" not in plan and "Seq Scan" not in plan, plan

    def test_past_the_cap_it_counts_from_the_newest_checks_rate(self, client, monkeypatch):
        monkeypatch.setattr(views, "COUNT_CAP", 50)
        monkeypatch.setattr(views, "SAMPLE", 20)
        monitor = Monitor.objects.create(name="m", kind="tcp", config={"host": "127.0.0.1"})
        now = timezone.now() - dt.timedelta(seconds=5)
        Result.objects.bulk_create(
            Result(monitor=monitor, due_at=now - dt.timedelta(seconds=1.5 * k), status="up",
                   checked_at=now - dt.timedelta(seconds=1.5 * k), latency_ms=1)
            for k in range(190)
        )  # fmt: skip
        body, _ = _scrape(client)
        line = next(line for line in body.splitlines() if line.startswith("aviso_checks_recent"))
        # One check every 1.5 s is 200 in five minutes; 20 newest span 28.5 s: about 210.
        assert 195 <= float(line.split()[-1]) <= 215
