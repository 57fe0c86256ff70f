from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from aviso.status import lifecycle
from aviso.status.timeline import (
    EntryKind,
    TimelineEntry,
    format_duration,
    incident_timeline,
    register_timeline_source,
    timeline_markdown,
)
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC)


@pytest.fixture
def incident():
    page = make_page()
    api = make_component(page, "API")
    web = make_component(page, "Web")
    incident = lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="Slow",
        body="Looking\nsecond line",
        components={api: "degraded_performance"},
        started_at=T0 - dt.timedelta(minutes=5),
        display_at=T0,
    )
    lifecycle.post_update(
        incident,
        actor=SYSTEM,
        status="identified",
        components={web: "partial_outage"},
        display_at=T0 + dt.timedelta(minutes=12),
    )
    lifecycle.resolve_incident(
        incident, actor=SYSTEM, display_at=T0 + dt.timedelta(hours=1, minutes=5)
    )
    incident.refresh_from_db()
    return incident


class TestIncidentTimeline:
    def test_it_lists_start_updates_component_changes_and_resolution_in_order(self, incident):
        entries = incident_timeline(incident)
        assert [(e.kind, e.text) for e in entries] == [
            (EntryKind.STARTED, "Incident began"),
            (EntryKind.UPDATE, "Investigating: Looking"),
            (EntryKind.COMPONENT, "API: Operational → Degraded performance"),
            (EntryKind.UPDATE, "Identified: We are working on a fix for this incident."),
            (EntryKind.COMPONENT, "Web: Operational → Partial outage"),
            (EntryKind.UPDATE, "Resolved: This incident has been resolved."),
            (EntryKind.COMPONENT, "API: Degraded performance → Operational"),
            (EntryKind.COMPONENT, "Web: Partial outage → Operational"),
            (EntryKind.RESOLVED, "Resolved, 1h 10m after it began"),
        ]

    def test_it_measures_the_time_between_entries_and_since_the_start(self, incident):
        entries = incident_timeline(incident)
        assert entries[0].since_previous is None
        assert entries[1].since_previous == dt.timedelta(minutes=5)
        assert entries[3].since_previous == dt.timedelta(minutes=12)
        assert entries[-1].since_start == dt.timedelta(hours=1, minutes=10)

    def test_other_apps_add_detection_evidence(self, incident):
        def detection(inc):
            yield TimelineEntry(
                inc.started_at - dt.timedelta(minutes=2), EntryKind.DETECTED, "p95 > 2 s"
            )

        register_timeline_source("test-detection", detection)
        try:
            entries = incident_timeline(incident)
        finally:
            from aviso.status import timeline

            timeline._sources.pop("test-detection")
        assert entries[0].kind == EntryKind.DETECTED
        assert entries[1].since_previous == dt.timedelta(minutes=2)

    def test_an_incident_opened_by_automation_starts_with_its_detection(self):
        page = make_page()
        api = make_component(page, "API")
        incident = lifecycle.create_incident(
            page,
            actor=lifecycle.Actor.automation("API latency monitor"),
            name="Slow",
            components={api: "degraded_performance"},
            display_at=T0,
        )
        entries = incident_timeline(incident)
        assert (entries[0].kind, entries[0].text, entries[0].actor) == (
            EntryKind.DETECTED,
            "Detected automatically",
            "automation: API latency monitor",
        )
        assert entries[1].kind == EntryKind.UPDATE

    def test_it_writes_markdown_in_the_page_zone(self, incident):
        text = timeline_markdown(
            incident_timeline(incident), zoneinfo.ZoneInfo("America/Guayaquil")
        )
        lines = text.splitlines()
        assert lines[0] == "- **2026-06-30 16:25 (GMT-5)** Incident began"
        assert lines[1] == "- **2026-06-30 16:30 (GMT-5)** (+5m) Investigating: Looking"


class TestFormatDuration:
    @pytest.mark.parametrize(
        ("delta", "text"),
        [
            (dt.timedelta(seconds=20), "0m"),
            (dt.timedelta(minutes=90), "1h 30m"),
            (dt.timedelta(days=1, minutes=5), "1d 5m"),
            (None, ""),
        ],
    )
    def test_it_reads_like_a_person_writes(self, delta, text):
        assert format_duration(delta) == text
