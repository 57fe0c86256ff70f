"""The seed's June incident, replayed for real: long-running ``pg_sleep`` sessions fill
a database's connections, the PostgreSQL monitor crosses its critical threshold, an
incident opens on the linked component, the sessions end, and the incident goes to
monitoring and then resolved, each step in its timeline."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from aviso.detection import engine
from aviso.detection.tests.helpers import check, make_monitor
from aviso.monitors.tests.pg import LimitedDatabase, requires_pg
from aviso.status.choices import ActorKind, ComponentStatus, IncidentStatus
from aviso.status.models import Component, Event, Incident
from aviso.status.timeline import EntryKind, incident_timeline
from aviso.testing import make_component, make_page

pytestmark = [pytest.mark.postgres, requires_pg, pytest.mark.django_db]

# Thresholds on saturation only: the trend warning (time to exhaustion) is
# kept out of the way, since a line through 1, 5, 5, 1 connections can still
# point at the limit right after the sessions end.
CALM = {
    "longest_query_warn_s": 600,
    "longest_query_critical_s": 900,
    "exhaustion_warn_s": 0.001,
}


@pytest.fixture
def db():
    database = LimitedDatabase(limit=5)
    yield database
    database.drop()


def wait_active(db: LimitedDatabase, count: int) -> None:
    deadline = time.monotonic() + 5
    while db.active_count() != count and time.monotonic() < deadline:
        time.sleep(0.05)


def wait_empty(db: LimitedDatabase) -> None:
    deadline = time.monotonic() + 5
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
    while db.admin.execute(query, [db.name]).fetchone()[0] and time.monotonic() < deadline:
        time.sleep(0.05)


class TestJuneIncidentReplay:
    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=1)
    def test_saturated_connections_open_and_then_resolve_an_incident(self, db):
        component = make_component(make_page(), "Transactions", group="Core Platform")
        monitor = make_monitor(
            "Main database", "postgres", {"dsn": db.dsn, **CALM},
            component=component, confirmations_down=2, confirmations_up=1,
        )  # fmt: skip
        calm = check(monitor)[0]
        assert calm.status == "up", calm.message

        for _ in range(4):  # costly long-running sessions take every connection
            db.sleeper(60)
        wait_active(db, 4)
        first = check(monitor)[0]
        assert first.status == "down" and "connections 5/5" in first.message
        assert not Incident.objects.exists()  # not confirmed yet
        check(monitor)
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.INVESTIGATING
        assert incident.opened_by_kind == ActorKind.AUTOMATION
        assert "Transactions" in incident.name
        update = incident.updates.get()
        assert "Main database" not in update.body
        event = Event.objects.get(incident_update=update)
        assert "Main database is down" in event.payload["detail"]
        assert Component.objects.get(pk=component.pk).status == ComponentStatus.MAJOR_OUTAGE

        db.admin.execute(  # the sessions are terminated
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [db.name],
        )
        wait_empty(db)  # terminated backends linger a moment in pg_stat_activity
        recovered = check(monitor)[0]
        assert recovered.status == "up", recovered.message
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.MONITORING
        assert Component.objects.get(pk=component.pk).status == ComponentStatus.OPERATIONAL
        engine.sweep()
        assert Incident.objects.get().status == IncidentStatus.MONITORING  # not stable yet
        time.sleep(1.1)
        check(monitor)
        engine.sweep()
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED

        timeline = incident_timeline(incident)
        texts = [e.text for e in timeline]
        assert any(t.startswith("First failure: Main database down") for t in texts)
        assert any(t.startswith("Confirmed: Main database down after 2 check(s)") for t in texts)
        updates = [e.text.split(":")[0] for e in timeline if e.kind == EntryKind.UPDATE]
        assert updates == ["Investigating", "Monitoring", "Resolved"]
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)
        first_failure = next(e for e in timeline if e.text.startswith("First failure"))
        assert first_failure.at <= incident.created_at
