"""The Readers screen: a private page's audiences and viewer tokens, made in the console."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from aviso.status import lifecycle
from aviso.status.models import Audience, AuditEntry, ViewerToken
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(scene):
    lifecycle.update_page(scene.page, actor=SYSTEM, private=True, viewer_domains=["bank.test"])
    return scene


class TestAudiences:
    def test_an_admin_creates_edits_and_deletes_an_audience(self, private):
        client = private.client("admin")
        made = client.post(
            reverse("console:audience_new"),
            {
                "name": "Bank",
                "email_domains": "Bank.test, partner.test",
                "emails": "ana@shop.test",
                "claims": "groups = customer-a\norg = acme",
                "components": [private.api.code],
            },
        )
        assert made.status_code == 302
        audience = Audience.objects.get()
        assert audience.email_domains == ["bank.test", "partner.test"]
        assert audience.emails == ["ana@shop.test"]
        assert audience.claims == [
            {"claim": "groups", "value": "customer-a"},
            {"claim": "org", "value": "acme"},
        ]
        assert [c.name for c in audience.components.all()] == ["API"]
        screen = client.get(reverse("console:readers")).content.decode()
        assert "Bank" in screen and "groups = customer-a" in screen

        edit = reverse("console:audience_edit", args=[audience.code])
        assert "groups = customer-a" in client.get(edit).content.decode()
        changed = client.post(edit, {"name": "Bank", "components": [private.web.code]})
        assert changed.status_code == 302
        audience.refresh_from_db()
        assert [c.name for c in audience.components.all()] == ["Web"] and audience.claims == []

        gone = client.post(reverse("console:audience_delete", args=[audience.code]))
        assert gone.status_code == 302 and not Audience.objects.exists()
        actions = list(
            AuditEntry.objects.filter(object_type="audience")
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["audience.save", "audience.save", "audience.delete"]

    def test_bad_input_comes_back_with_what_was_typed_and_a_reason(self, private):
        client = private.client("admin")
        lifecycle.save_audience(private.page, actor=SYSTEM, name="Bank")
        cases = [
            ({"name": "Shop", "claims": "groups customer-a"}, "claim = value"),
            ({"name": "Shop", "claims": "has space = x"}, "claim&#x27;s name"),
            ({"name": "Shop", "email_domains": "not a domain"}, "not a domain"),
            ({"name": "Bank"}, "already taken"),
            ({"name": "Shop", "components": ["nosuchcode"]}, "nosuchcode"),
            ({"name": ""}, "required"),
        ]
        for data, reason in cases:
            response = client.post(reverse("console:audience_new"), data)
            assert response.status_code == 400, data
            assert reason in response.content.decode(), (data, reason)
        assert Audience.objects.count() == 1


class TestViewerTokens:
    def test_a_token_is_shown_once_reads_the_json_and_is_revoked(self, private):
        client = private.client("admin")
        bank = lifecycle.save_audience(
            private.page, actor=SYSTEM, name="Bank", components=[private.api.code]
        )
        made = client.post(
            reverse("console:token_new"), {"name": "intranet", "audience": bank.code}
        )
        assert made.status_code == 302
        screen = client.get(reverse("console:readers")).content.decode()
        raw = re.search(r'id="new-token">(aviso_view_[^<]+)<', screen).group(1)
        assert raw not in client.get(reverse("console:readers")).content.decode()  # once
        token = ViewerToken.objects.get()
        assert token.audience == bank and token.created_by == "admin"

        reader = Client(headers={"Authorization": f"Bearer {raw}"})
        summary = json.loads(reader.get("/api/v2/summary.json").content)
        assert [c["name"] for c in summary["components"] if not c["group"]] == ["API"]

        revoked = client.post(reverse("console:token_revoke", args=[token.code]))
        assert revoked.status_code == 302
        assert reader.get("/api/v2/summary.json").status_code == 401
        assert "Revoked" in client.get(reverse("console:readers")).content.decode()

    def test_bad_token_requests_are_refused(self, scene):
        client = scene.client("admin")
        # A public page: its JSON needs no token.
        refused = client.post(reverse("console:token_new"), {"name": "x"})
        assert refused.status_code == 400 and "needs no token" in refused.content.decode()
        lifecycle.update_page(scene.page, actor=SYSTEM, private=True)
        for data in ({"name": ""}, {"name": "x", "audience": "nosuchcode"}):
            assert client.post(reverse("console:token_new"), data).status_code == 400
        assert not ViewerToken.objects.exists()
