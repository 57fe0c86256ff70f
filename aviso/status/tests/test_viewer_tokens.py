"""Viewer tokens: a private page's v2 JSON (and feeds, badges) without a sign-in."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aviso.api.models import ApiToken
from aviso.status import lifecycle
from aviso.status.models import AuditEntry, ViewerToken
from aviso.status.viewers import SESSION_KEY
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db

SUMMARY = "/p/customers/api/v2/summary.json"


@pytest.fixture
def customers():
    public = make_page("Jelou")
    make_component(public, "Public API")
    page = make_page(
        "Jelou for customers",
        slug="customers",
        position=1,
        private=True,
        viewer_domains=["bank.test"],
    )
    bank_api = make_component(page, "Bank API gateway")
    shop_sync = make_component(page, "Shop catalogue sync")
    bank = lifecycle.save_audience(
        page, actor=SYSTEM, name="Bank", email_domains=["bank.test"], components=[bank_api.code]
    )
    lifecycle.save_audience(page, actor=SYSTEM, name="Shop", components=[shop_sync.code])
    return page, bank


def _names(response) -> set[str]:
    return {c["name"] for c in json.loads(response.content)["components"]}


class TestIssuingAndRevoking:
    def test_the_raw_token_is_given_once_and_only_its_digest_is_kept(self, customers):
        page, _ = customers
        token, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="Bank's app")
        assert raw.startswith("aviso_view_") and len(raw) > 40
        stored = ViewerToken.objects.get(pk=token.pk)
        assert raw not in (stored.digest, stored.prefix) and raw.startswith(stored.prefix)
        entry = AuditEntry.objects.get(action="viewer_token.issue")
        assert entry.after["name"] == "Bank's app" and raw not in json.dumps(entry.after)
        assert stored.digest not in json.dumps(entry.after)

    def test_bad_requests_are_refused_by_field(self, customers):
        page, bank = customers
        public = make_page("Elsewhere", slug="elsewhere", position=2)
        other = lifecycle.save_audience(
            make_page("Other", slug="other", position=3, private=True), actor=SYSTEM, name="X"
        )
        cases = [
            (public, {"name": "x"}, "page"),
            (page, {"name": "   "}, "name"),
            (page, {"name": "two\nlines"}, "name"),
            (page, {"name": "x" * 101}, "name"),
            (page, {"name": "x", "audience": other}, "audience"),
        ]
        for target, fields, field in cases:
            with pytest.raises(lifecycle.LifecycleError) as caught:
                lifecycle.issue_viewer_token(target, actor=SYSTEM, **fields)
            assert field in caught.value.errors, fields
        assert not ViewerToken.objects.exists()

    def test_a_revoked_token_stops_at_once_and_revoking_twice_changes_nothing(self, customers):
        page, _ = customers
        token, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="script")
        reader = Client(headers={"Authorization": f"Bearer {raw}"})
        assert reader.get(SUMMARY).status_code == 200
        lifecycle.revoke_viewer_token(token, actor=SYSTEM)
        lifecycle.revoke_viewer_token(token, actor=SYSTEM)
        assert reader.get(SUMMARY).status_code == 401
        assert AuditEntry.objects.filter(action="viewer_token.revoke").count() == 1


class TestReadingWithAToken:
    def test_without_a_token_or_sign_in_the_json_answers_401_json(self, customers, client):
        response = client.get(SUMMARY)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert "viewer token" in json.loads(response.content)["error"]
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_bearer_header_or_a_query_token_reads_the_json(self, customers):
        page, _ = customers
        token, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="widget")
        by_header = Client(headers={"Authorization": f"Bearer {raw}"}).get(SUMMARY)
        assert by_header.status_code == 200
        assert _names(by_header) == {"Bank API gateway", "Shop catalogue sync"}
        # For this reader only: no shared cache keeps a token's answer.
        cache_control = by_header["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
        by_query = Client().get(f"{SUMMARY}?token={raw}")
        assert by_query.status_code == 200
        badge = Client().get(f"/p/customers/badge.svg?token={raw}")
        assert badge.status_code == 200 and badge["Content-Type"].startswith("image/svg+xml")
        assert ViewerToken.objects.get(pk=token.pk).last_used_at is not None

    def test_a_token_opens_no_html_page(self, customers):
        page, _ = customers
        _, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="widget")
        response = Client().get(f"/p/customers/?token={raw}")
        assert response.status_code == 302 and "sign-in" in response["Location"]

    def test_wrong_foreign_or_malformed_tokens_are_401(self, customers):
        page, _ = customers
        elsewhere = make_page("Other", slug="other", position=2, private=True)
        _, foreign = lifecycle.issue_viewer_token(elsewhere, actor=SYSTEM, name="other's")
        _, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="mine")
        for value in (foreign, raw[:-1] + "x", "aviso_view_", "x" * 5000, raw + "\x00"):
            response = Client(headers={"Authorization": f"Bearer {value}"}).get(SUMMARY)
            assert response.status_code == 401, value
        assert Client().get(f"{SUMMARY}?token={foreign}").status_code == 401

    def test_a_token_of_an_audience_sees_that_audiences_components_only(self, customers):
        page, bank = customers
        _, raw = lifecycle.issue_viewer_token(page, actor=SYSTEM, name="bank", audience=bank)
        response = Client(headers={"Authorization": f"Bearer {raw}"}).get(SUMMARY)
        assert _names(response) == {"Bank API gateway"}

    def test_a_signed_in_readers_session_still_works(self, customers):
        page, _ = customers
        reader = Client()
        session = reader.session
        session[SESSION_KEY] = {str(page.pk): "ana@bank.test"}
        session.save()
        assert _names(reader.get(SUMMARY)) == {"Bank API gateway"}

    def test_the_widget_script_of_a_private_page_loads_without_sign_in(self, customers):
        response = Client().get("/p/customers/widget.js")
        assert response.status_code == 200 and b"data-token" in response.content

    def test_a_cross_origin_reader_may_send_the_authorization_header(self, customers):
        response = Client().options(SUMMARY)
        assert "Authorization" in response["Access-Control-Allow-Headers"]


class TestTheApi:
    @pytest.fixture
    def api(self, customers):
        raw = ApiToken.issue(make_person("ops", "admin"), name="bot", scope="admin")[1]
        return Client(headers={"Authorization": f"Bearer {raw}"})

    def test_create_list_and_revoke(self, customers, api):
        page, bank = customers
        url = "/api/v1/pages/customers/viewer-tokens"
        made = api.post(url, {"name": "Bank app", "audience": bank.code}, "application/json")
        assert made.status_code == 201, made.content
        body = json.loads(made.content)
        raw = body["token"]
        assert body["audience"] == bank.code and raw.startswith(body["prefix"])
        assert _names(Client(headers={"Authorization": f"Bearer {raw}"}).get(SUMMARY)) == {
            "Bank API gateway"
        }
        listed = api.get(url).content.decode()
        assert body["code"] in listed and raw not in listed
        assert api.delete(f"{url}/{body['code']}").status_code == 204
        assert Client().get(f"{SUMMARY}?token={raw}").status_code == 401
        assert '"revoked_at": null' not in api.get(url).content.decode()
        entry = AuditEntry.objects.get(action="viewer_token.issue")
        assert entry.actor_label == "ops (token bot)"

    def test_bad_inputs_get_field_level_errors(self, customers, api):
        url = "/api/v1/pages/customers/viewer-tokens"
        cases = [
            ({}, 422),
            ({"name": ""}, 422),
            ({"name": "x", "scope": "admin"}, 422),
            ({"name": "x", "audience": "nosuchcode"}, 422),
        ]
        for payload, status in cases:
            response = api.post(url, payload, "application/json")
            assert response.status_code == status, (payload, response.content)
        public = api.post("/api/v1/pages/jelou/viewer-tokens", {"name": "x"}, "application/json")
        assert public.status_code == 422 and b"is public" in public.content
        assert api.delete(f"{url}/nosuchcode").status_code == 404
        assert not ViewerToken.objects.exists()

    def test_only_admins_manage_viewer_tokens(self, customers):
        raw = ApiToken.issue(make_person("resp", "responder"), name="bot", scope="write")[1]
        writer = Client(headers={"Authorization": f"Bearer {raw}"})
        url = "/api/v1/pages/customers/viewer-tokens"
        assert writer.post(url, {"name": "x"}, "application/json").status_code == 403
        assert writer.get(url).status_code == 403
        # An API token is no viewer token: the private JSON stays shut to it.
        assert writer.get(SUMMARY).status_code == 401
