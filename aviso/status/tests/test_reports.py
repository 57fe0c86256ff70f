"""Monthly uptime reports: the figures, the public page, its link and its snapshots."""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aviso.lib.dates import month_label
from aviso.lib.timezones import add_months
from aviso.status import lifecycle
from aviso.status.reports import month_report
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("America/Guayaquil")  # no daylight saving time: days are 24 h
# The month under test: three months back, so the public report (twelve months) shows it.
_now = dt.datetime.now(ZONE)
YEAR, MONTH = add_months(_now.year, _now.month, -3)
KEY = f"{YEAR:04d}-{MONTH:02d}"
MONTH_SECONDS = calendar.monthrange(YEAR, MONTH)[1] * 86400


def local(day: int, hour: int, minute: int = 0, later: int = 0) -> dt.datetime:
    """A local time in the month under test (or ``later`` months after it)."""
    year, month = add_months(YEAR, MONTH, later)
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZONE)


def outage(page, component, name, *, start, opened, resolved, status="major_outage"):
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name=name, components={component: status},
        started_at=start, display_at=opened,
    )  # fmt: skip
    if resolved is not None:
        lifecycle.resolve_incident(incident, actor=SYSTEM, display_at=resolved)
    return incident


@pytest.fixture
def a_month():
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
    outage(page, web, "Web errors", start=local(27, 23), opened=local(27, 23, 30),
           resolved=None)  # fmt: skip
    return page, api, web, hidden


class TestMonthReport:
    def test_it_weighs_downtime_and_averages_detection_and_resolution(self, a_month):
        page, api, web, _ = a_month
        report = month_report(page, YEAR, MONTH, now=local(5, 12, later=1))
        rows = {row.component.name: row for row in report.rows}
        api_row = rows["API"]
        lost = 9900 + 0.3 * 3600  # 10:15-13:00 in full, then an hour at 30 %
        assert api_row.uptime == pytest.approx(100 * (1 - lost / MONTH_SECONDS))
        assert len(api_row.incidents) == 2
        assert api_row.time_to_detect == dt.timedelta(minutes=7, seconds=30)
        assert api_row.time_to_resolve == dt.timedelta(hours=2)  # (3 h + 1 h) / 2
        web_row = rows["Web"]
        assert web_row.time_to_detect == dt.timedelta(minutes=30)
        assert web_row.time_to_resolve is None
        # Still down at the month's end: from the 27th, 23:30 to the 1st, midnight, local time.
        down = (local(1, 0, later=1) - local(27, 23, 30)).total_seconds()
        assert web_row.uptime == pytest.approx(100 * (1 - down / MONTH_SECONDS))
        assert report.previous == add_months(YEAR, MONTH, -1)
        assert report.next == add_months(YEAR, MONTH, 1)

    def test_the_next_month_starts_where_the_outage_goes_on(self, a_month):
        page, _, web, _ = a_month
        report = month_report(page, *add_months(YEAR, MONTH, 1), now=local(1, 1, later=1))
        row = next(r for r in report.rows if r.component == web)
        assert row.uptime == 0.0 and row.incidents == []  # down since; the incident is last month's
        assert report.next is None  # the current month

    def test_a_month_before_any_change_is_not_given_todays_outage(self, a_month):
        page, _, web, hidden = a_month
        earlier = add_months(YEAR, MONTH, -1)  # no change recorded in it or before it
        lifecycle.set_component_status(hidden, "major_outage", actor=SYSTEM)  # down now
        rows = {row.component: row for row in month_report(page, *earlier).rows}
        assert rows[hidden].uptime == 100.0  # it was working then, whatever it is today
        assert rows[web].uptime == 100.0  # down since the 27th of the month after

    def test_a_month_not_begun_has_no_report_and_public_leaves_hidden_components_out(
        self, a_month
    ):
        page = a_month[0]
        assert month_report(page, *add_months(YEAR, MONTH, 2), now=local(5, 12, later=1)) is None
        names = [r.component.name for r in month_report(page, YEAR, MONTH, public=True).rows]
        assert names == ["API", "Web"]


class TestPublicReport:
    def test_it_shows_the_month_and_links_from_the_uptime_figure(self, client, a_month):
        html = client.get(f"/uptime?month={KEY}").content.decode()
        assert "Uptime report" in html and month_label(YEAR, MONTH, "en") in html
        lost = 9900 + 0.3 * 3600
        assert f"{100 * (1 - lost / MONTH_SECONDS):.2f} %" in html  # API
        assert "7m" in html and "2h" in html
        assert "Internal" not in html
        year, month = add_months(YEAR, MONTH, -1)
        assert f'href="uptime?month={year:04d}-{month:02d}"' in html
        assert 'href="uptime"' in client.get("/").content.decode()

    def test_bad_and_future_months_go_to_the_present(self, client, a_month):
        # Malformed, not begun, and older than the public report's twelve months.
        for month in ("2026-13", "soon", "2999-01", "2020-01"):
            response = client.get(f"/uptime?month={month}")
            assert response.status_code == 302 and response["Location"].endswith("/uptime")
        assert client.get("/uptime").status_code == 200

    def test_it_runs_the_same_queries_whatever_the_number_of_incidents(self, client, a_month):
        page, api, web, _ = a_month

        def queries() -> int:
            with CaptureQueriesContext(connection) as seen:
                assert client.get(f"/uptime?month={KEY}").status_code == 200
            return len(seen)

        few = queries()
        for day in range(1, 9):
            outage(page, web, f"blip {day}", start=local(day, 1), opened=local(day, 1, 5),
                   resolved=local(day, 2))  # fmt: skip
        assert queries() == few

    def test_the_snapshots_hold_the_report_and_the_export_links_files(self, a_month):
        from aviso.publish.render import public_paths, render_path
        from aviso.status.links import export_file

        paths = public_paths(a_month[0], windows=1)
        assert "/uptime" in paths and len([p for p in paths if p.startswith("/uptime?")]) == 12
        assert b"Uptime report" in render_path("/uptime").body
        assert export_file(f"/uptime?month={KEY}") == f"uptime-{KEY}.html"
        exported = render_path(f"/uptime?month={KEY}", export=True).body.decode()
        year, month = add_months(YEAR, MONTH, -1)
        assert f'href="uptime-{year:04d}-{month:02d}.html"' in exported
