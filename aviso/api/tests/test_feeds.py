"""History feeds, the maintenance calendar and badges, read by real parsers."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import icalendar
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aviso.api import feeds
from aviso.demo import seed
from aviso.demo.loader import load_demo
from aviso.status import lifecycle
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    page = load_demo()
    now = timezone.now()
    planned = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Database upgrade, phase 1; read-only",
        scheduled_for=now + dt.timedelta(days=2),
        scheduled_until=now + dt.timedelta(days=2, hours=2),
        body="Writes pause for about ten minutes.\nReads continue.",
        components=[page.components.get(name="Databases")],
    )
    dropped = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Dropped",
        scheduled_for=now + dt.timedelta(days=4),
        scheduled_until=now + dt.timedelta(days=4, hours=1),
    )
    lifecycle.cancel_maintenance(dropped, actor=SYSTEM)
    page.test_planned = planned
    return page


class TestAtom:
    def test_it_parses_and_carries_the_seeds_incidents(self, demo):
        response = Client().get("/history.atom")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.feed.title == "Jelou Status - Incident History"
        titles = [entry.title for entry in parsed.entries]
        for spec in seed.INCIDENTS:
            assert spec["name"] in titles
        june = next(e for e in parsed.entries if e.title == seed.INCIDENTS[0]["name"])
        assert june.link.endswith("/incidents/" + demo.incidents.get(name=june.title).code)
        html = june.content[0].value
        assert "<strong>Resolved</strong>" in html
        assert "<strong>Postmortem</strong>" in html
        assert "GMT-5" in html

    def test_it_labels_a_repeated_status_update(self, demo):
        incident = lifecycle.create_incident(demo, actor=SYSTEM, name="Twice")
        lifecycle.post_update(incident, actor=SYSTEM, status="investigating", body="Still on it.")
        parsed = feedparser.parse(Client().get("/history.atom").content)
        entry = next(e for e in parsed.entries if e.title == "Twice")
        html = entry.content[0].value
        assert html.index("<strong>Update</strong> - Still on it.") < html.index(
            "<strong>Investigating</strong>"
        )

    def test_it_escapes_bodies(self, demo):
        incident = lifecycle.create_incident(
            demo, actor=SYSTEM, name="<b>Bold</b> & co", body="<script>alert(1)</script>"
        )
        parsed = feedparser.parse(Client().get("/history.atom").content)
        entry = next(e for e in parsed.entries if e.title == incident.name)
        assert "<script>" not in entry.content[0].value

    def test_it_runs_a_fixed_number_of_queries(self, demo):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                Client().get("/history.atom")
            return len(queries.captured_queries)

        before = count()
        for index in range(4):
            incident = lifecycle.create_incident(demo, actor=SYSTEM, name=f"More {index}")
            lifecycle.post_update(incident, actor=SYSTEM, status="resolved")
        assert count() == before <= 8


class TestRss:
    def test_it_parses_with_items_linking_to_incidents(self, demo):
        response = Client().get("/history.rss")
        assert response["Content-Type"].startswith("application/rss+xml")
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.version == "rss20"
        titles = [entry.title for entry in parsed.entries]
        for spec in seed.INCIDENTS:
            assert spec["name"] in titles
        for entry in parsed.entries:
            assert entry.id == entry.link
            assert entry.published_parsed is not None
        maintenance = next(e for e in parsed.entries if e.title.startswith("Database upgrade"))
        assert maintenance.link.endswith(f"/maintenances/{demo.test_planned.code}")
        assert "<strong>Scheduled</strong>" in maintenance.description

    def test_it_answers_304_when_unchanged(self, demo):
        client = Client()
        first = client.get("/history.rss")
        assert client.get("/history.rss", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


class TestCalendar:
    def test_it_parses_with_one_event_per_maintenance(self, demo):
        response = Client().get("/maintenance.ics")
        assert response["Content-Type"].startswith("text/calendar")
        assert b"\r\n" in response.content
        calendar = icalendar.Calendar.from_ical(response.content)
        events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {"Database upgrade, phase 1; read-only", "Dropped"}
        planned = events["Database upgrade, phase 1; read-only"]
        assert planned.decoded("DTSTART") == demo.test_planned.scheduled_for.replace(microsecond=0)
        assert planned.decoded("DTEND") - planned.decoded("DTSTART") == dt.timedelta(hours=2)
        assert str(planned["DESCRIPTION"]).startswith("Writes pause")
        assert "\n" in str(planned["DESCRIPTION"])
        assert str(planned["STATUS"]) == "CONFIRMED"
        assert str(events["Dropped"]["STATUS"]) == "CANCELLED"
        assert str(planned["UID"]).startswith(demo.test_planned.code)

    def test_it_folds_long_lines_without_breaking_characters(self):
        line = "DESCRIPTION:" + "é" * 100
        folded = feeds._fold(line)
        assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
        assert folded.replace("\r\n ", "") == line


def _title(svg: bytes) -> str:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed
    return root.find("{http://www.w3.org/2000/svg}title").text


class TestBadges:
    def test_it_draws_the_page_state(self, demo):
        response = Client().get("/badge.svg")
        assert response["Content-Type"].startswith("image/svg+xml")
        assert _title(response.content) == "status: all systems operational"
        lifecycle.set_component_status(
            demo.components.get(name="Databases"), "major_outage", actor=SYSTEM
        )
        assert _title(Client().get("/badge.svg").content) == "status: partial system outage"

    def test_it_draws_a_components_status(self, demo):
        component = demo.components.get(name="Web Chat")
        lifecycle.set_component_status(component, "degraded_performance", actor=SYSTEM)
        response = Client().get(f"/components/{component.code}/badge.svg")
        assert response.status_code == 200
        assert b"Web Chat: degraded performance" in response.content
        assert Client().get("/components/nothere12345/badge.svg").status_code == 404
