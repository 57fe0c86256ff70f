from __future__ import annotations

import datetime as dt

import pytest

from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus, EventKind, IncidentImpact, IncidentStatus
from aviso.status.models import AuditEntry, ComponentStatusChange, Event
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


class TestCreateIncident:
    def test_it_records_update_history_audit_and_one_event(self):
        page = make_page()
        api = make_component(page, "API")
        Event.objects.all().delete()
        AuditEntry.objects.all().delete()

        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="API down", body="Looking", components={api: "major_outage"}
        )

        api.refresh_from_db()
        assert api.status == ComponentStatus.MAJOR_OUTAGE
        assert incident.impact == IncidentImpact.CRITICAL
        update = incident.updates.get()
        assert update.affected_components == [
            {
                "code": api.code,
                "name": "API",
                "old_status": "operational",
                "new_status": "major_outage",
            }
        ]
        assert ComponentStatusChange.objects.filter(component=api).count() == 1
        assert AuditEntry.objects.filter(action="incident.create").count() == 1
        assert list(Event.objects.values_list("kind", flat=True)) == [EventKind.INCIDENT_CREATED]

    def test_it_refuses_an_unknown_component_and_stores_nothing(self):
        page = make_page()
        other = make_component(make_page("Other"), "Elsewhere")
        with pytest.raises(lifecycle.LifecycleError) as error:
            lifecycle.create_incident(
                page, actor=SYSTEM, name="x", components={other: "major_outage"}
            )
        assert "components" in error.value.errors
        assert not page.incidents.exists()

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("name", {"name": ""}),
            ("name", {"name": "   "}),
            ("body", {"name": "x", "body": "a" * 1_000_000}),
            ("body", {"name": "x", "body": "\x00\x01\x02"}),
            ("status", {"name": "x", "status": "exploded"}),
            ("impact", {"name": "x", "impact": "apocalyptic"}),
        ],
    )
    def test_it_refuses_bad_input_with_a_field_message(self, field, kwargs):
        page = make_page()
        with pytest.raises(lifecycle.LifecycleError) as error:
            lifecycle.create_incident(page, actor=SYSTEM, **kwargs)
        assert field in error.value.errors
        assert not page.incidents.exists()


class TestPostUpdate:
    def test_resolving_puts_components_back_to_operational(self):
        page = make_page()
        api = make_component(page, "API")
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="API slow", components={api: "degraded_performance"}
        )
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        api.refresh_from_db()
        incident.refresh_from_db()
        assert api.status == ComponentStatus.OPERATIONAL
        assert incident.status == IncidentStatus.RESOLVED
        assert incident.resolved_at is not None
        assert incident.updates.first().body == "This incident has been resolved."

    def test_a_component_in_two_incidents_keeps_the_other_ones_status(self):
        page = make_page()
        api = make_component(page, "API")
        first = lifecycle.create_incident(
            page, actor=SYSTEM, name="a", components={api: "major_outage"}
        )
        lifecycle.create_incident(
            page, actor=SYSTEM, name="b", components={api: "degraded_performance"}
        )
        lifecycle.resolve_incident(first, actor=SYSTEM)
        api.refresh_from_db()
        assert api.status == ComponentStatus.DEGRADED_PERFORMANCE

    def test_a_stale_version_is_a_conflict_not_an_overwrite(self):
        page = make_page()
        incident = lifecycle.create_incident(page, actor=SYSTEM, name="a")
        stale_version = incident.version
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        with pytest.raises(lifecycle.ConflictError):
            lifecycle.post_update(
                incident, actor=SYSTEM, status="identified", expected_version=stale_version
            )
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED

    def test_posting_an_open_status_reopens_a_resolved_incident(self):
        page = make_page()
        incident = lifecycle.create_incident(page, actor=SYSTEM, name="a")
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        lifecycle.post_update(incident, actor=SYSTEM, status="investigating", body="Back again")
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.INVESTIGATING
        assert incident.resolved_at is None

    def test_a_naive_time_is_refused(self):
        page = make_page()
        incident = lifecycle.create_incident(page, actor=SYSTEM, name="a")
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.post_update(
                incident, actor=SYSTEM, status="identified", display_at=dt.datetime(2026, 1, 1)
            )


class TestImpact:
    def test_a_resolved_incident_keeps_its_peak_impact(self):
        page = make_page()
        api = make_component(page, "API")
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="a", components={api: "degraded_performance"}
        )
        lifecycle.post_update(
            incident, actor=SYSTEM, status="identified", components={api: "major_outage"}
        )
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        incident.refresh_from_db()
        assert incident.impact == IncidentImpact.CRITICAL

    def test_a_persons_impact_wins(self):
        page = make_page()
        api = make_component(page, "API")
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="a", impact="minor", components={api: "major_outage"}
        )
        assert incident.impact == IncidentImpact.MINOR
