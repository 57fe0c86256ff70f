"""Private pages: single sign-on through a real OpenID Connect provider on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from aviso.status import lifecycle
from aviso.status.models import AuditEntry, Page
from aviso.status.tests.oidc_provider import OidcProvider
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

BASE = "http://aviso.example.test"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def provider(settings):
    settings.BASE_URL = BASE
    idp = OidcProvider("aviso-client", "s3cret-value", [f"{BASE}/p/internal/sign-in/oidc/callback"])
    yield idp.start()
    idp.stop()


@pytest.fixture
def internal(provider):
    make_page("Acme")
    page = make_page(
        "Acme internal",
        slug="internal",
        position=1,
        private=True,
        viewer_domains=["acme.test"],
        oidc_issuer=provider.issuer,
        oidc_client_id="aviso-client",
        oidc_client_secret="s3cret-value",
    )
    make_component(page, "Primary database")
    return page


def _provider_login(authorize_url: str, email: str) -> str:
    """What a browser does at the provider: open its form, say who, follow it back."""
    with urllib.request.urlopen(authorize_url, timeout=5) as answer:  # noqa: S310 - 127.0.0.1
        assert b"Test identity provider" in answer.read()
    query = {k: v[-1] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    body = urlencode({**query, "login_email": email}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(urlsplit(authorize_url)._replace(query="").geturl(), body, timeout=5)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        return redirect.headers["Location"]
    raise AssertionError("the provider did not send the browser back")


class TestSingleSignOn:
    def test_an_admitted_reader_signs_in_through_the_provider(self, internal, provider):
        reader = Client()
        start = reader.get("/p/internal/sign-in/oidc?next=/history")
        assert start.status_code == 302
        authorize = start["Location"]
        assert authorize.startswith(provider.issuer + "/authorize?")
        assert "code_challenge_method=S256" in authorize
        back = _provider_login(authorize, "Bob@Acme.test")
        assert back.startswith(f"{BASE}/p/internal/sign-in/oidc/callback?code=")
        done = reader.get(back.removeprefix(BASE))
        assert done.status_code == 302 and done["Location"] == "../../history"
        assert b"Primary database" in reader.get("/p/internal/").content
        assert provider.tokens_issued == 1
        entry = AuditEntry.objects.get(action="viewer.sign_in")
        assert entry.after == {"email": "bob@acme.test", "by": "oidc"}

    def test_a_reader_the_page_does_not_admit_is_refused(self, internal, provider):
        reader = Client()
        back = _provider_login(reader.get("/p/internal/sign-in/oidc")["Location"], "eve@evil.test")
        refused = reader.get(back.removeprefix(BASE))
        assert (
            refused.status_code == 403
            and b"eve@evil.test may not read this page" in refused.content
        )
        assert reader.get("/p/internal/").status_code == 302

    def test_a_replayed_or_forged_callback_signs_nobody_in(self, internal, provider):
        reader = Client()
        back = _provider_login(reader.get("/p/internal/sign-in/oidc")["Location"], "bob@acme.test")
        path = back.removeprefix(BASE)
        forged = path.replace("state=", "state=x")
        assert reader.get(forged).status_code == 400
        assert reader.get(path).status_code == 400  # the attempt is spent by the forged try
        assert reader.get("/p/internal/").status_code == 302

    def test_a_wrong_client_secret_signs_nobody_in(self, internal, provider):
        lifecycle.update_page(internal, actor=SYSTEM, oidc_client_secret="wrong")
        reader = Client()
        back = _provider_login(reader.get("/p/internal/sign-in/oidc")["Location"], "bob@acme.test")
        assert reader.get(back.removeprefix(BASE)).status_code == 400
        assert reader.get("/p/internal/").status_code == 302

    def test_the_secret_is_sealed_and_never_in_the_audit_log_or_the_api(self, internal):
        stored = Page.objects.get(pk=internal.pk).oidc_client_secret
        assert stored and "s3cret-value" not in stored
        for entry in AuditEntry.objects.filter(page=internal):
            assert "s3cret-value" not in str(entry.before) + str(entry.after)
        from aviso.api.models import ApiToken
        from aviso.testing import make_person

        token = ApiToken.issue(make_person("ops", "admin"), name="bot", scope="admin")[1]
        api = Client(headers={"Authorization": f"Bearer {token}"})
        body = api.get("/api/v1/pages/internal").content.decode()
        assert '"has_oidc_secret": true' in body and "s3cret" not in body and stored not in body


class TestAudiencesByClaim:
    @pytest.fixture
    def audiences(self, internal, provider):
        customer_a = make_component(internal, "Customer A gateway")
        acme_only = make_component(internal, "Acme billing")
        lifecycle.save_audience(
            internal,
            actor=SYSTEM,
            name="Customer A",
            claims=[{"claim": "groups", "value": "customer-a"}],
            components=[customer_a.code],
        )
        lifecycle.save_audience(
            internal,
            actor=SYSTEM,
            name="Acme org",
            claims=[{"claim": "org", "value": "acme"}],
            components=[acme_only.code],
        )
        provider.claims = {
            "bob@acme.test": {"groups": ["staff", "customer-a"]},
            "carol@acme.test": {"org": "acme", "groups": "customer-b"},
        }
        return internal

    def _sign_in(self, email: str) -> Client:
        reader = Client()
        back = _provider_login(reader.get("/p/internal/sign-in/oidc")["Location"], email)
        assert reader.get(back.removeprefix(BASE)).status_code == 302
        return reader

    def test_a_reader_sees_the_audiences_their_id_token_claims_put_them_in(self, audiences):
        def shown(reader: Client) -> set[str]:
            body = reader.get("/p/internal/api/v2/components.json").content
            return {c["name"] for c in json.loads(body)["components"]}

        assert shown(self._sign_in("bob@acme.test")) == {"Customer A gateway"}
        assert shown(self._sign_in("carol@acme.test")) == {"Acme billing"}
        # No claim that matches: the components no audience has.
        assert shown(self._sign_in("dave@acme.test")) == {"Primary database"}

    def test_an_email_link_sign_in_carries_no_claims_over(self, audiences, provider):
        from aviso.status.viewers import link_token, request_link

        reader = self._sign_in("bob@acme.test")
        link = request_link(audiences, "bob@acme.test", language="en", next_path="/")
        # The same reader spends an email link (the form a mailed link opens, pressed).
        assert reader.post(f"/p/internal/sign-in/{link_token(link)}").status_code == 302
        assert reader.session["aviso_viewer_claims"][str(audiences.pk)] == {}
        body = reader.get("/p/internal/api/v2/components.json").content
        assert {c["name"] for c in json.loads(body)["components"]} == {"Primary database"}

    def test_bad_claim_rules_are_refused(self, internal):
        for rules in (
            [{"claim": "", "value": "x"}],
            [{"claim": "groups", "value": ""}],
            [{"claim": "has space", "value": "x"}],
            [{"claim": "groups", "value": "x" * 201}],
            [{"claim": "g", "value": str(i)} for i in range(21)],
            ["groups"],
        ):
            with pytest.raises(lifecycle.LifecycleError) as caught:
                lifecycle.save_audience(internal, actor=SYSTEM, name="X", claims=rules)
            assert "claims" in caught.value.errors, rules


class TestKeptClaims:
    def test_it_keeps_what_audiences_match_on_and_no_more(self):
        from aviso.status.viewers import MAX_CLAIMS_CHARS, kept_claims

        kept = kept_claims(
            {
                "iss": "https://idp.test",
                "nonce": "n",
                "exp": 1,
                "groups": ["a", 2, {"nested": True}],
                "org": "acme",
                "address": {"street": "x"},
                "big": "x" * (MAX_CLAIMS_CHARS + 1),
            }
        )
        assert kept == {"groups": ["a", "2"], "org": "acme"}
