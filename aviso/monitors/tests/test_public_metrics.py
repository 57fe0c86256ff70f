"""The public page's response-time charts: from roll-ups, opted in, fixed queries, snapshots."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aviso.lib.svgchart import line_chart, nice_ceiling
from aviso.monitors.metrics import component_response_times
from aviso.monitors.models import Result, Rollup
from aviso.monitors.rollups import hour_floor
from aviso.monitors.tests.factories import make_monitor
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def measured(component, *, hours: int = 30 * 24, ms: float = 100.0, name: str = "check"):
    """A monitor on ``component`` with ``hours`` of roll-ups and two checks this hour."""
    monitor = make_monitor(f"{component.name} {name}", component=component)
    now = hour_floor(timezone.now())
    Rollup.objects.bulk_create(
        Rollup(monitor=monitor, hour=now - HOUR * i, up=60, latency_min=ms / 2,
               latency_avg=ms + (i % 24), latency_max=ms * 3, latency_p95=ms * 2)
        for i in range(1, hours + 1)
    )  # fmt: skip
    for second, latency in ((1, 300.0), (2, 500.0)):
        at = now + dt.timedelta(seconds=second)
        Result.objects.create(monitor=monitor, due_at=at, checked_at=at, status="up",
                              latency_ms=latency)  # fmt: skip
    return monitor


def opted_in(page, name):
    return make_component(page, name, show_response_times=True)


class TestSeries:
    def test_it_averages_roll_ups_and_takes_the_unrolled_hour_from_the_checks(self):
        page = make_page()
        api = opted_in(page, "API")
        measured(api, hours=48)
        day, week, month = component_response_times([api.pk], now=timezone.now())[api.pk]
        assert [len(s.points) for s in (day, week, month)] == [24, 42, 30]
        assert day.points[-1][1] == pytest.approx(400.0)  # this hour: the two raw checks
        assert day.points[-2][1] == pytest.approx(101.0)  # the hour before: its roll-up
        assert day.slowest == pytest.approx(500.0)  # the live hour's slowest check
        assert week.points[0][1] is None  # no checks that far back
        assert month.has_data and month.average is not None

    def test_monitors_of_one_component_are_averaged_and_components_kept_apart(self):
        page = make_page()
        api, web = opted_in(page, "API"), opted_in(page, "Web")
        measured(api, hours=3, ms=100.0, name="a")
        measured(api, hours=3, ms=300.0, name="b")
        measured(web, hours=3, ms=1000.0)
        charts = component_response_times([api.pk, web.pk], now=timezone.now())
        assert charts[api.pk][0].points[-3][1] == pytest.approx(202.0)
        assert charts[web.pk][0].points[-3][1] == pytest.approx(1002.0)


class TestPublicPage:
    def test_only_components_that_opted_in_show_charts_with_words_and_values(self, client):
        page = make_page()
        api = opted_in(page, "API")
        quiet = make_component(page, "Billing")
        measured(api)
        measured(quiet)
        html = client.get("/").content.decode()
        assert html.count('<svg class="chart"') == 3  # 24 h, 7 d, 30 d of API only
        assert f'aria-labelledby="rt-{api.code}-day"' in html
        assert f"rt-{quiet.code}" not in html
        summary = re.search(rf'<summary id="rt-{api.code}-day">(.*?)</summary>', html, re.S)
        assert "Past 24 hours" in summary.group(1) and "average" in summary.group(1)
        assert "<table>" in html and "400 ms" in html  # the values, as text
        assert "<script" not in html

    def test_it_says_nothing_for_an_opted_in_component_without_checks(self, client):
        page = make_page()
        opted_in(page, "API")
        assert '<svg class="chart"' not in client.get("/").content.decode()

    def test_the_page_runs_the_same_queries_for_one_or_many_charted_components(self, client):
        page = make_page()
        measured(opted_in(page, "C0"), hours=24)

        def queries() -> int:
            with CaptureQueriesContext(connection) as seen:
                assert client.get("/").status_code == 200
            return len(seen)

        few = queries()
        for i in range(1, 6):
            measured(opted_in(page, f"C{i}"), hours=24)
        assert queries() == few

    def test_turning_the_charts_on_goes_through_the_lifecycle_and_into_the_snapshot(
        self, settings, tmp_path
    ):
        from aviso.publish.render import render_path

        settings.AVISO_SNAPSHOT_DIR = str(tmp_path)
        page = make_page()
        api = make_component(page, "API")
        measured(api, hours=2)
        assert b'class="chart"' not in render_path("/").body
        lifecycle.update_component(api, actor=SYSTEM, show_response_times=True)
        assert b'class="chart"' in render_path("/").body


class TestSvg:
    def test_labels_are_escaped_and_gaps_break_the_line(self):
        svg = line_chart(
            [1.0, None, 3.0, 4.0], x_labels=[(0, "<b>"), (1, "now")], unit="ms", labelled_by="x"
        )
        assert "<b>" not in svg and "&lt;b&gt;" in svg
        assert svg.count("<polyline") == 1 and svg.count("<circle") == 1

    def test_the_axis_top_is_a_round_number(self):
        assert [nice_ceiling(v) for v in (0, 0.7, 3, 140, 999, 1001)] == [1, 1, 5, 200, 1000, 2000]
