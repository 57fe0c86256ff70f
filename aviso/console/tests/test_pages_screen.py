"""The Pages screen: several pages, the one the console works on, shared components."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aviso.status.models import AuditEntry, ComponentPlacement, Page

pytestmark = pytest.mark.django_db


class TestPagesScreen:
    def test_an_admin_adds_a_page_works_on_it_and_shares_a_component_into_it(self, scene):
        client = scene.client("admin")
        response = client.post(
            reverse("console:pages"),
            {
                "name": "Acme internal",
                "slug": "internal",
                "domain": "Internal-Status.Example.test",
                "time_zone": "UTC",
            },
        )
        assert response.status_code == 302
        internal = Page.objects.get(slug="internal")
        assert internal.domain == "internal-status.example.test"
        assert AuditEntry.objects.filter(action="page.create", page=internal).exists()
        # The console now works on the new page: its settings screen shows it.
        assert b'value="Acme internal"' in client.get(reverse("console:settings")).content
        screen = client.get(reverse("console:pages")).content.decode()
        assert "http://internal-status.example.test/" in screen
        assert "Acme: Platform - API" in screen  # another page's component to share

        response = client.post(reverse("console:place"), {"component": scene.api.code, "group": ""})
        assert response.status_code == 302
        placement = ComponentPlacement.objects.get()
        assert (placement.page, placement.component) == (internal, scene.api)
        assert AuditEntry.objects.filter(action="component.place", page=internal).exists()

        client.post(reverse("console:unplace", args=[scene.api.code]))
        assert not ComponentPlacement.objects.exists()
        assert AuditEntry.objects.filter(action="component.unplace").exists()

        client.get(reverse("console:pages") + f"?work_on={scene.page.slug}")
        assert b'value="Acme"' in client.get(reverse("console:settings")).content

    def test_a_bad_domain_comes_back_with_what_was_typed(self, scene):
        client = scene.client("admin")
        response = client.post(
            reverse("console:pages"),
            {"name": "Other", "slug": "other", "domain": "https://x.example/", "time_zone": "UTC"},
        )
        assert response.status_code == 400
        assert b"host name" in response.content
        assert b'value="https://x.example/"' in response.content
        assert not Page.objects.filter(slug="other").exists()

    def test_a_responder_cannot_manage_pages(self, scene):
        client = scene.client("responder")
        assert client.get(reverse("console:pages")).status_code == 403


class TestSingleSignOnSettings:
    def test_the_client_secret_is_write_only_in_the_console(self, scene):
        client = scene.client("admin")
        form = {
            "name": "Acme",
            "slug": scene.page.slug,
            "time_zone": "America/Guayaquil",
            "private": "on",
            "oidc_issuer": "https://idp.example.test",
            "oidc_client_id": "aviso",
            "oidc_client_secret": "top-secret-1",
        }
        assert client.post(reverse("console:settings"), form).status_code == 302
        scene.page.refresh_from_db()
        sealed = scene.page.oidc_client_secret
        assert sealed and "top-secret-1" not in sealed
        screen = client.get(reverse("console:settings")).content.decode()
        assert "top-secret-1" not in screen and sealed not in screen
        # Saving again without typing it keeps it.
        form["oidc_client_secret"] = ""
        client.post(reverse("console:settings"), form)
        scene.page.refresh_from_db()
        assert scene.page.oidc_client_secret == sealed
