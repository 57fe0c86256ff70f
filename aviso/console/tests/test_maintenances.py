from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aviso.status import lifecycle
from aviso.status.choices import ActorKind, ComponentStatus, MaintenanceStatus
from aviso.status.models import AuditEntry, Maintenance
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


def _schedule(scene, **fields):
    data = {
        "name": "Database upgrade",
        "scheduled_for": "2030-01-15T22:00",
        "scheduled_until": "2030-01-16T01:30",
        "components": [scene.db.code, scene.api.code],
        "body": "We upgrade the database.",
        "auto_start": "on",
        "auto_complete": "on",
        "notify": "on",
    }
    data.update(fields)
    return scene.client("responder").post(reverse("console:schedule"), data)


class TestSchedule:
    def test_times_are_read_in_the_page_zone(self, scene):
        response = _schedule(scene)
        maintenance = Maintenance.objects.get()
        assert response.status_code == 302
        # 22:00 in Guayaquil (GMT-5) is 03:00 UTC the next day, whatever the server's zone.
        assert maintenance.scheduled_for == dt.datetime(2030, 1, 16, 3, 0, tzinfo=dt.UTC)
        assert maintenance.scheduled_until == dt.datetime(2030, 1, 16, 6, 30, tzinfo=dt.UTC)
        assert set(maintenance.components.all()) == {scene.db, scene.api}
        assert maintenance.updates.get().body == "We upgrade the database."
        entry = AuditEntry.objects.get(action="maintenance.schedule")
        assert entry.actor == scene.user("responder")

    def test_the_edit_form_shows_the_times_in_the_page_zone(self, scene):
        _schedule(scene)
        maintenance = Maintenance.objects.get()
        html = scene.client("responder").get(
            reverse("console:edit_maintenance", args=[maintenance.code])
        )
        assert 'value="2030-01-15T22:00"' in html.content.decode()

    def test_an_end_before_the_start_is_refused(self, scene):
        response = _schedule(scene, scheduled_until="2030-01-15T21:00", body="Kept words")
        assert response.status_code == 400
        html = response.content.decode()
        assert "The end must be after the start." in html
        assert "Kept words" in html
        assert 'value="2030-01-15T21:00"' in html
        assert not Maintenance.objects.exists()

    def test_an_unknown_component_is_refused(self, scene):
        response = _schedule(scene, components=["nosuchthing1"])
        assert response.status_code == 400
        assert "nosuchthing1 is not one of the available choices" in response.content.decode()
        assert not Maintenance.objects.exists()

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"name": ""}, "This field is required."),
            ({"scheduled_for": "tomorrow-ish"}, "Enter a valid date/time."),
            ({"body": "x" * 1_000_000}, "At most 50000 characters"),
            ({"name": "\x01\x02"}, "Contains control characters"),
        ],
    )
    def test_other_bad_input_is_refused(self, scene, fields, message):
        response = _schedule(scene, **fields)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Maintenance.objects.exists()


class TestMaintenanceActions:
    @pytest.fixture
    def maintenance(self, scene):
        start = timezone.now() + dt.timedelta(hours=1)
        return lifecycle.schedule_maintenance(
            scene.page,
            actor=SYSTEM,
            name="Upgrade",
            scheduled_for=start,
            scheduled_until=start + dt.timedelta(hours=1),
            components=[scene.db],
        )

    def _act(self, scene, maintenance, action, client=None, **fields):
        data = {"version": maintenance.version, "body": "", "notify": "on"} | fields
        return (client or scene.client("responder")).post(
            reverse(f"console:{action}_maintenance", args=[maintenance.code]), data
        )

    def test_start_then_complete_by_hand(self, scene, maintenance):
        assert self._act(scene, maintenance, "start").status_code == 302
        scene.db.refresh_from_db()
        assert scene.db.status == ComponentStatus.UNDER_MAINTENANCE
        maintenance.refresh_from_db()
        self._act(scene, maintenance, "complete", body="All done")
        maintenance.refresh_from_db()
        scene.db.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.COMPLETED
        assert scene.db.status == ComponentStatus.OPERATIONAL
        assert maintenance.updates.first().body == "All done"
        actions = AuditEntry.objects.filter(actor=scene.user("responder")).values_list(
            "action", flat=True
        )
        assert set(actions) == {"maintenance.in_progress", "maintenance.completed"}

    def test_verifying_between_start_and_completion(self, scene, maintenance):
        self._act(scene, maintenance, "start")
        maintenance.refresh_from_db()
        self._act(scene, maintenance, "verify", body="Checking replicas")
        maintenance.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.VERIFYING
        assert maintenance.updates.first().body == "Checking replicas"
        scene.db.refresh_from_db()
        assert scene.db.status == ComponentStatus.UNDER_MAINTENANCE

    def test_cancel(self, scene, maintenance):
        self._act(scene, maintenance, "cancel", body="Postponed")
        maintenance.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.CANCELLED

    def test_a_stale_action_is_refused_with_a_message(self, scene, maintenance):
        stale = maintenance.version
        lifecycle.cancel_maintenance(maintenance, actor=SYSTEM)
        client = scene.client("responder")
        response = self._act(scene, maintenance, "start", client=client, version=stale)
        page = client.get(response["Location"]).content.decode()
        assert "This maintenance changed since you opened it" in page
        maintenance.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.CANCELLED

    def test_editing_the_plan(self, scene, maintenance):
        response = scene.client("responder").post(
            reverse("console:edit_maintenance", args=[maintenance.code]),
            {
                "name": "Upgrade, moved",
                "scheduled_for": "2030-02-01T10:00",
                "scheduled_until": "2030-02-01T09:00",
                "components": [scene.web.code],
                "version": maintenance.version,
            },
        )
        assert response.status_code == 400
        assert "The end must be after the start." in response.content.decode()
        response = scene.client("responder").post(
            reverse("console:edit_maintenance", args=[maintenance.code]),
            {
                "name": "Upgrade, moved",
                "scheduled_for": "2030-02-01T10:00",
                "scheduled_until": "2030-02-01T12:00",
                "components": [scene.web.code],
                "version": maintenance.version,
            },
        )
        assert response.status_code == 302
        maintenance.refresh_from_db()
        assert maintenance.name == "Upgrade, moved"
        assert maintenance.scheduled_for == dt.datetime(2030, 2, 1, 15, 0, tzinfo=dt.UTC)
        assert list(maintenance.components.all()) == [scene.web]
        assert AuditEntry.objects.get(action="maintenance.edit").actor == scene.user("responder")


class TestAutomaticStartAndCompletion:
    """Planned in the console, started and completed by the worker's scheduler job."""

    def test_the_worker_starts_and_completes_it_at_the_planned_times(self, scene):
        from aviso.status import worker
        from aviso.status.scheduler import run_due_maintenances

        _schedule(scene, scheduled_for="2030-01-15T22:00", scheduled_until="2030-01-15T23:00")
        maintenance = Maintenance.objects.get()
        start = maintenance.scheduled_for

        assert run_due_maintenances(now=start - dt.timedelta(seconds=1)) is False
        assert run_due_maintenances(now=start) is True
        maintenance.refresh_from_db()
        scene.db.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.IN_PROGRESS
        assert scene.db.status == ComponentStatus.UNDER_MAINTENANCE
        assert run_due_maintenances(now=start + dt.timedelta(minutes=30)) is False

        assert run_due_maintenances(now=maintenance.scheduled_until) is True
        maintenance.refresh_from_db()
        scene.db.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.COMPLETED
        assert scene.db.status == ComponentStatus.OPERATIONAL
        entries = AuditEntry.objects.filter(actor_kind=ActorKind.AUTOMATION)
        assert set(entries.values_list("action", flat=True)) == {
            "maintenance.in_progress",
            "maintenance.completed",
        }
        assert set(entries.values_list("actor_label", flat=True)) == {
            "automation: maintenance scheduler"
        }
        assert "maintenances" in worker.jobs()

    def test_without_auto_start_the_worker_leaves_it_alone(self, scene):
        from aviso.status.scheduler import run_due_maintenances

        _schedule(scene, auto_start="", auto_complete="")
        maintenance = Maintenance.objects.get()
        assert run_due_maintenances(now=maintenance.scheduled_until) is False
        maintenance.refresh_from_db()
        assert maintenance.status == MaintenanceStatus.SCHEDULED

    def test_a_component_in_an_incident_keeps_showing_the_trouble(self, scene):
        from aviso.status.scheduler import run_due_maintenances

        _schedule(scene)
        maintenance = Maintenance.objects.get()
        lifecycle.create_incident(
            scene.page, actor=SYSTEM, name="DB down", components={scene.db: "major_outage"}
        )
        run_due_maintenances(now=maintenance.scheduled_for)
        scene.db.refresh_from_db()
        scene.api.refresh_from_db()
        assert scene.db.status == ComponentStatus.MAJOR_OUTAGE
        assert scene.api.status == ComponentStatus.UNDER_MAINTENANCE
