"""Components, incident templates, people and page settings."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from aviso.console.models import IncidentTemplate
from aviso.console.roles import Role, role_of
from aviso.status.choices import ComponentStatus
from aviso.status.models import AuditEntry, Page

pytestmark = pytest.mark.django_db


class TestComponentStatus:
    def test_a_responder_sets_a_status_and_it_is_audited(self, scene):
        client = scene.client("responder")
        url = reverse("console:component_status", args=[scene.api.code])
        response = client.post(url, {"status": "degraded_performance"})
        assert response.status_code == 302
        scene.api.refresh_from_db()
        assert scene.api.status == ComponentStatus.DEGRADED_PERFORMANCE
        entry = AuditEntry.objects.get(action="component.status")
        assert entry.actor == scene.user("responder")
        assert entry.before == {"status": "operational"}
        assert (
            "Platform - API is now Degraded performance."
            in client.get(response["Location"]).content.decode()
        )

    def test_an_unknown_status_is_refused(self, scene):
        client = scene.client("responder")
        response = client.post(
            reverse("console:component_status", args=[scene.api.code]), {"status": "melted"}
        )
        assert "Select a valid choice" in client.get(response["Location"]).content.decode()
        scene.api.refresh_from_db()
        assert scene.api.status == ComponentStatus.OPERATIONAL

    def test_an_unknown_component_is_a_404(self, scene):
        response = scene.client("responder").post(
            reverse("console:component_status", args=["nosuchthing1"]), {"status": "major_outage"}
        )
        assert response.status_code == 404


class TestIncidentTemplates:
    def test_a_responder_saves_edits_and_deletes_a_template(self, scene):
        client = scene.client("responder")
        response = client.post(
            reverse("console:template_new"),
            {
                "name": "API latency",
                "title": "API responds slowly",
                "status": "investigating",
                "impact": "",
                "body": "We see **slow** responses.",
                f"component_{scene.api.code}": "degraded_performance",
            },
        )
        assert response.status_code == 302
        template = IncidentTemplate.objects.get()
        assert template.components == {scene.api.code: "degraded_performance"}
        response = client.post(
            reverse("console:template_edit", args=[template.pk]),
            {"name": "API latency", "title": "API is slow", "status": "identified"},
        )
        template.refresh_from_db()
        assert template.title == "API is slow"
        assert template.components == {}
        client.post(reverse("console:template_delete", args=[template.pk]))
        assert not IncidentTemplate.objects.exists()
        actions = AuditEntry.objects.filter(actor=scene.user("responder")).values_list(
            "action", flat=True
        )
        assert list(actions.order_by("id")) == [
            "incident_template.save",
            "incident_template.save",
            "incident_template.delete",
        ]

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"title": "bad\x07"}, "Contains control characters"),
            ({"body": "x" * 1_000_000}, "At most 50000 characters"),
            ({"component_nosuchthing1": "major_outage"}, "Unknown component: nosuchthing1"),
        ],
    )
    def test_bad_input_is_refused(self, scene, fields, message):
        data = {"name": "T", "title": "Title", "status": "investigating"} | fields
        response = scene.client("responder").post(reverse("console:template_new"), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not IncidentTemplate.objects.exists()

    def test_a_duplicate_name_is_refused(self, scene):
        data = {"name": "T", "title": "Title", "status": "investigating"}
        client = scene.client("responder")
        client.post(reverse("console:template_new"), data)
        response = client.post(reverse("console:template_new"), data)
        assert response.status_code == 400
        assert "A template with this name exists already." in response.content.decode()


class TestPeople:
    def test_an_admin_adds_a_person_with_a_role(self, scene):
        response = scene.client("admin").post(
            reverse("console:user_new"),
            {
                "username": "dana",
                "email": "dana@example.com",
                "password": "a-Long-pass-1",
                "role": "responder",
            },
        )
        assert response.status_code == 302
        dana = get_user_model().objects.get(username="dana")
        assert role_of(dana) == Role.RESPONDER
        assert not dana.is_staff
        entry = AuditEntry.objects.get(action="user.create")
        assert entry.actor == scene.user("admin")
        assert entry.after["role"] == "responder"
        assert Client().login(username="dana", password="a-Long-pass-1")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"username": "viewer"}, "This user name is taken."),
            ({"password": "password"}, "This password is too common."),
            ({"role": "overlord"}, "Select a valid choice"),
        ],
    )
    def test_bad_input_is_refused(self, scene, fields, message):
        data = {"username": "erin", "password": "a-Long-pass-1", "role": "viewer"} | fields
        response = scene.client("admin").post(reverse("console:user_new"), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not AuditEntry.objects.filter(action="user.create").exists()

    def test_changing_a_role_and_access_is_audited(self, scene):
        responder = scene.user("responder")
        scene.client("admin").post(
            reverse("console:user_role", args=[responder.pk]), {"role": "admin", "is_active": "on"}
        )
        responder.refresh_from_db()
        assert role_of(responder) == Role.ADMIN
        assert responder.is_staff and responder.is_superuser  # the Django admin opens to them
        scene.client("admin").post(reverse("console:user_role", args=[responder.pk]), {"role": ""})
        responder = get_user_model().objects.get(pk=responder.pk)
        assert role_of(responder) is None
        assert not responder.is_active and not responder.is_staff
        entries = AuditEntry.objects.filter(action="user.role").order_by("id")
        assert [(e.before["role"], e.after["role"]) for e in entries] == [
            ("responder", "admin"),
            ("admin", None),
        ]

    def test_an_admin_cannot_lock_themselves_out(self, scene):
        admin = scene.user("admin")
        client = scene.client("admin")
        response = client.post(reverse("console:user_role", args=[admin.pk]), {"role": "viewer"})
        assert (
            "You cannot take your own admin role"
            in client.get(response["Location"]).content.decode()
        )
        admin.refresh_from_db()
        assert role_of(admin) == Role.ADMIN

    def test_resetting_two_factor(self, scene):
        viewer = scene.user("viewer")
        TOTPDevice.objects.create(user=viewer, name="phone", confirmed=True)
        scene.client("admin").post(reverse("console:user_reset_2fa", args=[viewer.pk]))
        assert not TOTPDevice.objects.filter(user=viewer).exists()
        entry = AuditEntry.objects.get(action="user.reset_2fa")
        assert (entry.before["two_factor"], entry.after["two_factor"]) == (True, False)


class TestDjangoAdmin:
    def test_it_opens_to_admins_only(self, scene):
        assert scene.client("admin").get("/admin/").status_code == 200
        for persona in ("responder", "viewer", "anonymous"):
            response = scene.client(persona).get("/admin/")
            assert response.status_code == 302, persona
            assert response["Location"].startswith("/admin/login/")

    def test_the_audit_log_is_read_only_there_too(self, scene):
        scene.client("responder").post(
            reverse("console:component_status", args=[scene.api.code]), {"status": "major_outage"}
        )
        entry = AuditEntry.objects.get(action="component.status")
        client = scene.client("admin")
        url = f"/admin/status/auditentry/{entry.pk}/change/"
        assert client.get(url).status_code == 200  # viewable
        client.post(url, {"action": "changed"})
        client.post(f"/admin/status/auditentry/{entry.pk}/delete/", {"post": "yes"})
        entry.refresh_from_db()
        assert entry.action == "component.status"


class TestPageSettings:
    def test_an_admin_changes_the_page_and_bad_zones_are_refused(self, scene):
        client = scene.client("admin")
        data = {"name": "Acme Status", "slug": "acme", "time_zone": "Mars/Olympus"}
        response = client.post(reverse("console:settings"), data)
        assert response.status_code == 400
        assert "Mars/Olympus is not a known IANA time zone." in response.content.decode()
        response = client.post(reverse("console:settings"), data | {"time_zone": "Europe/Madrid"})
        assert response.status_code == 302
        page = Page.objects.get()
        assert (page.name, page.time_zone) == ("Acme Status", "Europe/Madrid")
        assert AuditEntry.objects.get(action="page.update").actor == scene.user("admin")

    def test_without_a_page_the_console_asks_for_one(self, db):
        from aviso.testing import make_person

        make_person("root", "admin")
        client = Client()
        client.login(username="root", password="pw-Secret-123")
        response = client.get("/console/")
        assert response["Location"] == reverse("console:settings")
        client.post(reverse("console:settings"), {"name": "New", "slug": "new", "time_zone": "UTC"})
        assert Page.objects.get().name == "New"
        assert client.get("/console/").status_code == 200
