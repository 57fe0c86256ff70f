"""Monthly uptime reports: the figures, the public page, its link and its snapshots."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aviso.status import lifecycle
from aviso.status.reports import month_report
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("America/Guayaquil")
SEPTEMBER = 30 * 86400


def local(day: int, hour: int, minute: int = 0, month: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def outage(page, component, name, *, start, opened, resolved, status="major_outage"):
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name=name, components={component: status},
        started_at=start, display_at=opened,
    )  # fmt: skip
    if resolved is not None:
        lifecycle.resolve_incident(incident, actor=SYSTEM, display_at=resolved)
    return incident


@pytest.fixture
def september():
    page = make_page()
    api = make_component(page, "API")
    web = make_component(page, "Web")
    hidden = make_component(page, "Internal", showcase=False)
    # Began 10:00, opened 10:15 (detected in 15 min), resolved 13:00 (3 h after it began).
    outage(page, api, "API down", start=local(10, 10), opened=local(10, 10, 15),
           resolved=local(10, 13))  # fmt: skip
    # A partial outage of an hour, opened at once: 30 % of its time counts.
    outage(page, api, "API slow for some", start=local(20, 8), opened=local(20, 8),
           resolved=local(20, 9), status="partial_outage")  # fmt: skip
    # Not resolved yet: counts as an incident, not in the time to resolve.
    outage(page, web, "Web errors", start=local(29, 23), opened=local(29, 23, 30),
           resolved=None)  # fmt: skip
    return page, api, web, hidden


class TestMonthReport:
    def test_it_weighs_downtime_and_averages_detection_and_resolution(self, september):
        page, api, web, _ = september
        report = month_report(page, 2026, 9, now=local(5, 12, month=10))
        rows = {row.component.name: row for row in report.rows}
        api_row = rows["API"]
        lost = 9900 + 0.3 * 3600  # 10:15-13:00 in full, then an hour at 30 %
        assert api_row.uptime == pytest.approx(100 * (1 - lost / SEPTEMBER))
        assert len(api_row.incidents) == 2
        assert api_row.time_to_detect == dt.timedelta(minutes=7, seconds=30)
        assert api_row.time_to_resolve == dt.timedelta(hours=2)  # (3 h + 1 h) / 2
        web_row = rows["Web"]
        assert web_row.time_to_detect == dt.timedelta(minutes=30)
        assert web_row.time_to_resolve is None
        # Still down at the month's end: from the 29th, 23:30 to the 1st, midnight, local time.
        assert web_row.uptime == pytest.approx(100 * (1 - 24.5 * 3600 / SEPTEMBER))
        assert (report.previous, report.next) == ((2026, 8), (2026, 10))

    def test_the_next_month_starts_where_the_outage_goes_on(self, september):
        page, _, web, _ = september
        report = month_report(page, 2026, 10, now=local(1, 1, month=10))
        row = next(r for r in report.rows if r.component == web)
        assert row.uptime == 0.0 and row.incidents == []  # down since, the incident is September's
        assert report.next is None  # the current month

    def test_a_month_not_begun_has_no_report_and_public_leaves_hidden_components_out(
        self, september
    ):
        page = september[0]
        assert month_report(page, 2026, 11, now=local(5, 12, month=10)) is None
        names = [r.component.name for r in month_report(page, 2026, 9, public=True).rows]
        assert names == ["API", "Web"]


class TestPublicReport:
    def test_it_shows_the_month_and_links_from_the_uptime_figure(self, client, september):
        html = client.get("/uptime?month=2026-09").content.decode()
        assert "Uptime report" in html and "Sep 2026" in html
        assert "99.58 %" in html  # API
        assert "7m" in html and "2h" in html
        assert "Internal" not in html
        assert 'href="uptime?month=2026-08"' in html
        assert 'href="uptime"' in client.get("/").content.decode()

    def test_bad_and_future_months_go_to_the_present(self, client, september):
        # Malformed, not begun, and older than the public report's twelve months.
        for month in ("2026-13", "soon", "2999-01", "2020-01"):
            response = client.get(f"/uptime?month={month}")
            assert response.status_code == 302 and response["Location"].endswith("/uptime")
        assert client.get("/uptime").status_code == 200

    def test_it_runs_the_same_queries_whatever_the_number_of_incidents(self, client, september):
        page, api, web, _ = september

        def queries() -> int:
            with CaptureQueriesContext(connection) as seen:
                assert client.get("/uptime?month=2026-09").status_code == 200
            return len(seen)

        few = queries()
        for day in range(1, 9):
            outage(page, web, f"blip {day}", start=local(day, 1), opened=local(day, 1, 5),
                   resolved=local(day, 2))  # fmt: skip
        assert queries() == few

    def test_the_snapshots_hold_the_report_and_the_export_links_files(self, september):
        from aviso.publish.render import public_paths, render_path
        from aviso.status.links import export_file

        paths = public_paths(september[0], windows=1)
        assert "/uptime" in paths and len([p for p in paths if p.startswith("/uptime?")]) == 12
        assert b"Uptime report" in render_path("/uptime").body
        assert export_file("/uptime?month=2026-09") == "uptime-2026-09.html"
        exported = render_path("/uptime?month=2026-09", export=True).body.decode()
        assert 'href="uptime-2026-08.html"' in exported
