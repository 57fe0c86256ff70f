"""How long one ``/metrics`` scrape takes with 50,000 monitors and 7 days of results.

Builds a throwaway database (SQLite by default, ``--engine postgres`` for the
local PostgreSQL) with ``--monitors`` monitors and their results: over the last
``--days`` days one result per monitor every ``--old-every`` minutes, and in
the last ``--recent-minutes`` minutes one per monitor per minute (the default
60-second interval), which is what the scrape's five-minute window reads.
Rows go in with plain ``executemany`` in batches, outside the ORM, so the
set-up takes a minute or two rather than an hour.

Then it scrapes ``/metrics`` in-process (Django's test client, bearer token)
once to warm up and ``--runs`` times measured, and prints the median, spread,
query count and the query plan of the results query. ``--drop-index`` removes
the index the scrape relies on first, to measure the cost without it.

    python bench/metrics_scrape.py [--engine sqlite|postgres] [--runs 15] [--drop-index]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database  # noqa: E402

TOKEN = "bench-token"  # noqa: S105 - a throwaway database's scrape token


def build(monitors: int, days: int, old_every: int, recent_minutes: int) -> int:
    """Insert the monitors and their results; returns the number of results."""
    from django.db import connection, transaction
    from django.utils import timezone

    from aviso.monitors.models import Monitor, Result

    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        Monitor.objects.bulk_create(
            [Monitor(name=f"m{i:05d}", kind="tcp", config={"host": "127.0.0.1", "port": 9})
             for i in range(monitors)],
            batch_size=2000,
        )  # fmt: skip
    ids = list(Monitor.objects.order_by("id").values_list("id", flat=True))
    table = Result._meta.db_table
    columns = "monitor_id, due_at, checked_at, status, latency_ms, message, region"
    # The table name is the model's own, not input.
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    text = connection.vendor == "sqlite"  # Django's own text form; skips per-row adapting

    def insert(slots: list[dt.datetime]) -> int:
        for slot in slots:
            checked = slot + dt.timedelta(milliseconds=350)
            due_at, checked_at = (
                (slot.strftime("%Y-%m-%d %H:%M:%S"), checked.strftime("%Y-%m-%d %H:%M:%S.%f"))
                if text
                else (slot, checked)
            )
            rows = [(mid, due_at, checked_at, "up", 20.0 + mid % 50, "", "") for mid in ids]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        return len(slots) * len(ids)

    old, slots = now - dt.timedelta(days=days), []
    while old < now - dt.timedelta(minutes=recent_minutes):
        slots.append(old)
        old += dt.timedelta(minutes=old_every)
    inserted = insert(slots)
    # The recent minutes last, around the time the scrapes will run (inserting them takes
    # a minute or two): from a few minutes ahead back to ``recent_minutes`` before that.
    ahead = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=3)
    inserted += insert([ahead - dt.timedelta(minutes=m) for m in range(recent_minutes)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return inserted


def plan() -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from aviso.detection.views import RECENT
    from aviso.monitors.models import Result

    recent = Result.objects.filter(checked_at__gte=timezone.now() - RECENT).order_by()
    query = recent.values("latency_ms", "due_at")
    sql, params = query.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return [" ".join(str(col) for col in row) for row in cursor.fetchall()]


def scrape(runs: int) -> tuple[list[float], list[tuple[str, str]]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    header = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    assert client.get("/metrics", **header).status_code == 200  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/metrics", **header)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/metrics", **header)
    return times, [(q["time"], q["sql"][:90]) for q in queries.captured_queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--monitors", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--old-every", type=int, default=360, help="minutes between old results")
    parser.add_argument("--recent-minutes", type=int, default=10)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--drop-index", action="store_true")
    args = parser.parse_args()
    os.environ["AVISO_METRICS_TOKEN"] = TOKEN
    os.environ.setdefault("AVISO_ALLOWED_HOSTS", "testserver")
    db = Database(args.engine)
    try:
        started = time.perf_counter()
        results = build(args.monitors, args.days, args.old_every, args.recent_minutes)
        print(f"built {args.monitors} monitors, {results} results "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        if args.drop_index:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX result_checked_at")
        print("plan:", *plan(), sep="\n  ")
        from django.utils import timezone

        from aviso.detection.views import RECENT
        from aviso.monitors.models import Result

        window = Result.objects.filter(checked_at__gte=timezone.now() - RECENT).count()
        print(f"results in the scrape's five-minute window: {window}")
        times, queries = scrape(args.runs)
        times.sort()
        p90 = times[int(0.9 * (len(times) - 1))]
        index = "dropped" if args.drop_index else "kept"
        median = statistics.median(times)
        spread = f"min={times[0]:.1f} p90={p90:.1f} max={times[-1]:.1f}"
        print(f"{args.engine} index={index} runs={len(times)} median={median:.1f} ms "
              f"{spread} queries={len(queries)}")  # fmt: skip
        print("queries of the last scrape (seconds, SQL):", *queries, sep="\n  ")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
