"""The timings the test suite used to assert, at the sizes it used to build.

    .venv/bin/python bench/scale.py [--engine sqlite|postgres] [--runs 5]

The suite keeps what these screens and jobs must do (query counts, results) at
sizes that run in a second or two; how long they take at scale is measured here:

- the console's monitor list at 50,000 monitors, under each filter (the suite
  asserted under 1.5 s a request);
- 90 daily bars from a year of hourly roll-ups for 50 monitors (under 5 s);
- a burst of 1,000 incident updates coalesced into a handful of renders.

Each figure is the median of ``--runs`` (the burst runs once). The data is built
in a throwaway database (a temporary SQLite file by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Database  # noqa: E402

LIST_FILTERS = [
    {},
    {"page": "500"},
    {"state": "down", "kind": "http", "page": "3"},
    {"q": "svc 4999"},
    {"paused": "no"},
]


def _median_ms(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def monitor_list(runs: int) -> list[tuple[str, float]]:
    from django.test import Client

    from aviso.monitors.tests.test_views import many_monitors
    from aviso.testing import make_component, make_page, make_person

    many_monitors(50_000, make_component(make_page("Scale")))
    client = Client()
    client.force_login(make_person("bench", "responder"))
    rows = []
    for params in LIST_FILTERS:

        def get(params=params):
            assert client.get("/console/monitors/", params).status_code == 200

        get()  # warm-up
        rows.append((f"console monitor list {params or '(no filter)'}", _median_ms(get, runs)))
    return rows


def daily_bars(runs: int) -> list[tuple[str, float]]:
    from aviso.monitors.tests.factories import make_monitor
    from aviso.monitors.tests.test_rollups import insert_hourly_rollups
    from aviso.monitors.uptime import component_daily_uptime, monitor_daily_uptime
    from aviso.testing import make_component, make_page

    page = make_page("Bars")
    components = [make_component(page, f"c{i}") for i in range(5)]
    monitors = [make_monitor(f"m{i}", component=components[i % 5]) for i in range(50)]
    now = dt.datetime(2026, 6, 30, 12, 30, tzinfo=dt.UTC)
    start = now.replace(minute=0) - dt.timedelta(days=365)
    insert_hourly_rollups([m.pk for m in monitors], start, 365 * 24 + 13)

    def bars():
        monitor_daily_uptime([m.pk for m in monitors], days=90, now=now)
        component_daily_uptime([c.pk for c in components], days=90, now=now)

    what = "90 daily bars, 50 monitors and 5 components, a year of roll-ups"
    return [(what, _median_ms(bars, runs))]


def render_burst() -> list[tuple[str, float]]:
    from aviso.publish.models import RenderState
    from aviso.publish.tasks import QUIET, SNAPSHOTS
    from aviso.status import lifecycle
    from aviso.status.worker import run_once
    from aviso.testing import SYSTEM, make_component, make_page

    page = make_page("Burst")
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name="Slow API",
        components={make_component(page, "API"): "degraded_performance"},
    )  # fmt: skip

    def settle():
        while run_once("bench"):
            pass
        time.sleep(QUIET.total_seconds())
        while run_once("bench"):
            pass

    settle()
    before = RenderState.objects.get(target=SNAPSHOTS).renders
    started = time.perf_counter()
    for number in range(1, 1001):
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body=f"Update {number}.")
        if number % 50 == 0:
            run_once("bench")
    burst = (time.perf_counter() - started) * 1000
    settle()
    renders = RenderState.objects.get(target=SNAPSHOTS).renders - before
    return [(f"1,000 updates with a worker turn every 50 ({renders} renders)", burst)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database = Database(args.engine)
    try:
        rows = monitor_list(args.runs) + daily_bars(args.runs) + render_burst()
    finally:
        database.drop()
    print(f"| what ({args.engine}) | median ms |\n|---|---|")
    for what, ms in rows:
        print(f"| {what} | {ms:.1f} |")


if __name__ == "__main__":
    main()
