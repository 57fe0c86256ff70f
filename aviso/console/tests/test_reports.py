"""The console's uptime report and its CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(scene):
    began = dt.datetime(2026, 9, 10, 10, 0, tzinfo=scene.page.zone)
    made = lifecycle.create_incident(
        scene.page, actor=SYSTEM, name="API down", components={scene.api: "major_outage"},
        started_at=began, display_at=began + dt.timedelta(minutes=4),
    )  # fmt: skip
    lifecycle.resolve_incident(made, actor=SYSTEM, display_at=began + dt.timedelta(hours=1))
    return made


class TestUptimeReport:
    def test_a_viewer_sees_the_month_with_its_incidents_and_links(self, scene, incident):
        html = scene.client("viewer").get(
            reverse("console:uptime_report") + "?month=2026-09"
        ).content.decode()
        assert "Uptime report: Sep 2026" in html
        assert reverse("console:incident", args=[incident.code]) in html
        assert "4m" in html and "1h" in html
        assert reverse("console:uptime_csv") + "?month=2026-09" in html
        assert "uptime?month=2026-09" in html  # the public report

    def test_the_csv_has_one_row_per_component_with_seconds(self, scene, incident):
        response = scene.client("viewer").get(reverse("console:uptime_csv") + "?month=2026-09")
        assert response["Content-Type"].startswith("text/csv")
        assert 'filename="uptime-2026-09.csv"' in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        api = next(r for r in rows if r["component"] == "API")
        assert api["group"] == "Platform" and api["incidents"] == "1"
        assert api["mean_time_to_detect_seconds"] == "240"
        assert api["mean_time_to_resolve_seconds"] == "3600"
        assert api["downtime_seconds"] == "3360"
        assert float(api["uptime_percent"]) == pytest.approx(100 * (1 - 3360 / (30 * 86400)), 1e-3)
        assert len(rows) == 3

    def test_names_never_become_spreadsheet_formulas(self, scene):
        make_component(scene.page, "=HYPERLINK(\"http://x\")")
        response = scene.client("viewer").get(reverse("console:uptime_csv"))
        names = [r["component"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
        assert "'=HYPERLINK(\"http://x\")" in names

    def test_a_bad_month_is_refused_in_words_and_anonymous_callers_sign_in(self, scene):
        response = scene.client("viewer").get(reverse("console:uptime_csv") + "?month=2026-99")
        assert response.status_code == 400 and b"YYYY-MM" in response.content
        page = scene.client("viewer").get(reverse("console:uptime_report") + "?month=x")
        assert page.status_code == 302
        anonymous = scene.client("anonymous").get(reverse("console:uptime_csv"))
        assert anonymous.status_code in (302, 403)
