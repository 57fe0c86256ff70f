from __future__ import annotations

import pytest
from django.urls import reverse

from aviso.console.models import IncidentTemplate
from aviso.status import lifecycle
from aviso.status.choices import ActorKind, ComponentStatus, IncidentStatus
from aviso.status.models import AuditEntry, Event, Incident, IncidentUpdate
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


def _declare(scene, client=None, **fields):
    data = {
        "title": "API and web down",
        "status": "investigating",
        "body": "We are **looking**.",
        "notify": "on",
        f"component_{scene.api.code}": "major_outage",
        f"component_{scene.web.code}": "degraded_performance",
    }
    data.update(fields)
    client = client or scene.client("responder")
    return client.post(reverse("console:declare"), data)


def _incident(scene, **components) -> Incident:
    return lifecycle.create_incident(
        scene.page,
        actor=SYSTEM,
        name="API down",
        components=components or {scene.api: "major_outage", scene.web: "partial_outage"},
    )


def _post(scene, incident, client=None, **fields):
    data = {"status": "identified", "body": "Found it", "version": incident.version}
    data.update(fields)
    client = client or scene.client("responder")
    return client.post(reverse("console:post_update", args=[incident.code]), data)


class TestDeclare:
    def test_it_declares_on_two_components_and_audits_the_person(self, scene):
        response = _declare(scene)
        incident = Incident.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("console:incident", args=[incident.code])
        scene.api.refresh_from_db()
        scene.web.refresh_from_db()
        assert scene.api.status == ComponentStatus.MAJOR_OUTAGE
        assert scene.web.status == ComponentStatus.DEGRADED_PERFORMANCE
        assert incident.impact == "critical"  # derived from the worst component
        assert incident.updates.get().body == "We are **looking**."
        entry = AuditEntry.objects.get(action="incident.create")
        assert entry.actor == scene.user("responder")
        assert entry.actor_kind == ActorKind.PERSON
        assert Event.objects.get(incident=incident).notify is True

    def test_it_keeps_the_chosen_impact_and_the_notify_box(self, scene):
        _declare(scene, impact="minor", notify="")
        incident = Incident.objects.get()
        assert incident.impact == "minor"
        assert Event.objects.get(incident=incident).notify is False

    def test_a_template_prefills_the_form(self, scene):
        template = IncidentTemplate.objects.create(
            page=scene.page,
            name="DB saturation",
            title="Database connections saturated",
            status="identified",
            body="Long-running sessions hold connections.",
            components={scene.db.code: "partial_outage"},
        )
        response = scene.client("responder").get(
            reverse("console:declare") + f"?template={template.pk}"
        )
        html = response.content.decode()
        assert 'value="Database connections saturated"' in html
        assert "Long-running sessions hold connections." in html
        assert '<option value="partial_outage" selected>' in html
        assert '<option value="identified" selected>' in html

    def test_the_preview_button_renders_markdown_and_stores_nothing(self, scene):
        response = _declare(scene, preview="1", body="# Heading\n\n<script>x</script> *em*")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<em>em</em>" in html
        assert "<script>x</script>" not in html
        assert not Incident.objects.exists()

    def test_the_live_preview_endpoint_returns_safe_html(self, scene):
        response = scene.client("responder").post(
            reverse("console:preview"), {"preview_field": "body", "body": "**bold** <img src=x>"}
        )
        assert response.status_code == 200
        assert response.content.decode().strip() == "<p><strong>bold</strong> &lt;img src=x&gt;</p>"


class TestDeclareBadInput:
    """Each bad input: a clear message next to the field, what was typed kept, nothing stored."""

    def _refused(self, scene, response, message: str, kept: str):
        html = response.content.decode()
        assert response.status_code == 400
        assert message in html
        assert kept in html
        assert not Incident.objects.exists()
        assert not AuditEntry.objects.filter(action="incident.create").exists()
        scene.api.refresh_from_db()
        assert scene.api.status == ComponentStatus.OPERATIONAL

    def test_an_empty_title(self, scene):
        response = _declare(scene, title="   ", body="Kept words")
        self._refused(scene, response, "This field is required.", "Kept words")

    def test_an_unknown_component(self, scene):
        response = _declare(scene, component_nosuchthing1="major_outage", body="Kept words")
        self._refused(scene, response, "Unknown component: nosuchthing1", "Kept words")

    def test_an_unknown_component_status(self, scene):
        response = _declare(scene, **{f"component_{scene.api.code}": "on_fire"}, body="Kept")
        self._refused(scene, response, "Select a valid choice", "Kept")

    def test_a_one_megabyte_body(self, scene):
        body = "a" * 1_000_000
        response = _declare(scene, body=body)
        self._refused(scene, response, "At most 50000 characters (this has 1000000)", "aaaa")

    def test_a_body_of_control_characters(self, scene):
        response = _declare(scene, body="\x01\x02\x07\x1b", title="Kept title")
        self._refused(scene, response, "Contains control characters", "Kept title")

    def test_a_title_of_control_characters(self, scene):
        response = _declare(scene, title="\x1b[31mred", body="Kept words")
        self._refused(scene, response, "Contains control characters", "Kept words")


class TestPostUpdate:
    def test_it_posts_a_status_body_and_component_change_in_one_step(self, scene):
        incident = _incident(scene)
        response = _post(
            scene, incident, **{f"component_{scene.api.code}": "partial_outage"}, notify=""
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        scene.api.refresh_from_db()
        assert incident.status == IncidentStatus.IDENTIFIED
        assert scene.api.status == ComponentStatus.PARTIAL_OUTAGE
        update = incident.updates.first()
        assert update.body == "Found it"
        assert update.deliver_notifications is False
        entry = AuditEntry.objects.get(action="incident.update")
        assert entry.actor == scene.user("responder")
        assert entry.before["status"] == "investigating"
        assert entry.after["status"] == "identified"

    def test_resolving_sets_components_back_to_operational(self, scene):
        incident = _incident(scene)
        response = _post(scene, incident, status="resolved", body="")
        assert response.status_code == 302
        for component in (scene.api, scene.web):
            component.refresh_from_db()
            assert component.status == ComponentStatus.OPERATIONAL
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        assert incident.updates.first().body == "This incident has been resolved."
        assert AuditEntry.objects.filter(action="incident.resolve", actor__username="responder")

    def test_resolving_keeps_a_component_status_when_told(self, scene):
        incident = _incident(scene)
        _post(
            scene,
            incident,
            status="resolved",
            **{f"component_{scene.web.code}": "degraded_performance"},
        )
        scene.api.refresh_from_db()
        scene.web.refresh_from_db()
        assert scene.api.status == ComponentStatus.OPERATIONAL
        assert scene.web.status == ComponentStatus.DEGRADED_PERFORMANCE

    def test_a_new_status_on_a_resolved_incident_reopens_it(self, scene):
        incident = _incident(scene)
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        incident.refresh_from_db()
        response = _post(
            scene,
            incident,
            status="investigating",
            body="It is back",
            **{f"component_{scene.api.code}": "major_outage"},
        )
        assert response.status_code == 302
        incident.refresh_from_db()
        scene.api.refresh_from_db()
        assert incident.status == IncidentStatus.INVESTIGATING
        assert incident.resolved_at is None
        assert scene.api.status == ComponentStatus.MAJOR_OUTAGE
        assert AuditEntry.objects.get(action="incident.reopen").actor == scene.user("responder")

    def test_a_stale_form_after_someone_else_resolved_gets_a_conflict(self, scene):
        incident = _incident(scene)
        stale_version = incident.version
        # Someone else resolves while our form is open.
        lifecycle.resolve_incident(incident, actor=lifecycle.Actor.person(scene.user("admin")))
        response = _post(
            scene, incident, status="monitoring", body="My careful words", version=stale_version
        )
        html = response.content.decode()
        assert response.status_code == 409
        assert "This incident changed since you opened it (now Resolved)" in html
        assert "My careful words" in html  # nothing typed is lost
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED  # not silently overwritten
        assert not IncidentUpdate.objects.filter(body="My careful words").exists()
        # The re-rendered form carries the new version, so a deliberate resubmit works.
        assert f'name="version" value="{incident.version}"' in html

    def test_bad_update_input_keeps_the_words(self, scene):
        incident = _incident(scene)
        response = _post(scene, incident, body="ok\x00\x01", status="identified")
        assert response.status_code == 400
        assert incident.updates.count() == 1
        response = _post(scene, incident, status="exploded", body="Kept words")
        assert response.status_code == 400
        assert "Kept words" in response.content.decode()
        assert "Select a valid choice" in response.content.decode()


class TestEditAndDeleteUpdates:
    def test_editing_an_update_keeps_the_old_words_in_the_audit_log(self, scene):
        incident = _incident(scene)
        update = incident.updates.get()
        url = reverse("console:edit_update", args=[incident.code, update.code])
        client = scene.client("responder")
        assert "We are currently investigating" in client.get(url).content.decode()
        response = client.post(url, {"body": "Corrected", "version": incident.version})
        assert response.status_code == 302
        update.refresh_from_db()
        assert update.body == "Corrected"
        entry = AuditEntry.objects.get(action="incident_update.edit")
        assert entry.actor == scene.user("responder")
        assert entry.before["body"] == "We are currently investigating this incident."
        assert entry.after["body"] == "Corrected"

    def test_a_stale_edit_gets_a_conflict(self, scene):
        incident = _incident(scene)
        update = incident.updates.get()
        stale = incident.version
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        response = scene.client("responder").post(
            reverse("console:edit_update", args=[incident.code, update.code]),
            {"body": "Too late", "version": stale},
        )
        assert response.status_code == 409
        assert "changed since you opened it" in response.content.decode()
        assert "Too late" in response.content.decode()
        update.refresh_from_db()
        assert update.body != "Too late"

    def test_deleting_an_update_is_audited_with_its_words(self, scene):
        incident = _incident(scene)
        lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Wrong words")
        incident.refresh_from_db()
        update = incident.updates.get(body="Wrong words")
        url = reverse("console:delete_update", args=[incident.code, update.code])
        client = scene.client("responder")
        assert "Wrong words" in client.get(url).content.decode()
        assert client.post(url, {"version": incident.version}).status_code == 302
        assert not IncidentUpdate.objects.filter(pk=update.pk).exists()
        entry = AuditEntry.objects.get(action="incident_update.delete")
        assert entry.actor == scene.user("responder")
        assert entry.before["body"] == "Wrong words"

    def test_the_last_update_cannot_be_deleted(self, scene):
        incident = _incident(scene)
        update = incident.updates.get()
        response = scene.client("responder").post(
            reverse("console:delete_update", args=[incident.code, update.code]),
            {"version": incident.version},
        )
        assert response.status_code == 400
        assert "keeps at least one update" in response.content.decode()
        assert IncidentUpdate.objects.filter(pk=update.pk).exists()


class TestScreens:
    def test_the_incident_screen_shows_updates_and_the_timeline(self, scene):
        incident = _incident(scene)
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        html = scene.client("viewer").get(reverse("console:incident", args=[incident.code]))
        html = html.content.decode()
        assert "API down" in html
        assert "Platform - API: Major outage → Operational" in html
        assert "Resolved, 0m after it began" in html
        # A viewer sees no forms to change it.
        assert reverse("console:post_update", args=[incident.code]) not in html

    def test_the_dashboard_shows_state_open_work_and_recent_changes(self, scene):
        _incident(scene)
        html = scene.client("viewer").get(reverse("console:dashboard")).content.decode()
        assert "Partial system outage" in html
        assert "API down" in html
        assert "incident.create" in html
        assert reverse("console:declare") not in html  # a viewer is not offered it
        assert html.count("<tr>") <= 1 + 3 + 1 + 20  # header rows, components, audit cap


class TestDeleteIncident:
    def test_an_admin_deletes_a_mistaken_incident_and_components_recover(self, scene):
        incident = _incident(scene)
        url = reverse("console:delete_incident", args=[incident.code])
        assert scene.client("responder").post(url).status_code == 403
        assert "Delete this incident?" in scene.client("admin").get(url).content.decode()
        assert scene.client("admin").post(url).status_code == 302
        assert not Incident.objects.exists()
        scene.api.refresh_from_db()
        assert scene.api.status == ComponentStatus.OPERATIONAL
        entry = AuditEntry.objects.get(action="incident.delete")
        assert entry.actor == scene.user("admin")
        assert entry.before["name"] == "API down"
