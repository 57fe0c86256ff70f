"""Side doors: ways in, or ways to change things, that skip the console's own door.

Each class is one area attacked; each test names the attack it tries. The
defences are described in docs/security.md ("Who may do what", "Signing in").
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from aviso.api.models import ApiToken
from aviso.console import throttle
from aviso.console.models import SignInThrottle
from aviso.console.roles import Role, assign_role
from aviso.lib.clientaddr import client_address, parse_networks
from aviso.lib.secheaders import HSTS_SECONDS, parse_proxy_header
from aviso.notify import subscriptions
from aviso.notify.choices import NoticeKind
from aviso.notify.models import Channel, Delivery, Subscriber
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.publish.tests.conftest import django_wsgi, wsgi_get  # noqa: F401 - a fixture
from aviso.publish.wsgi import SnapshotApp
from aviso.status.models import AuditEntry, Component
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"
LOGIN = "/console/login/"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page():
    page = make_page("Acme", slug="acme")
    make_component(page, "API")
    return page


@pytest.fixture
def people(page):
    return {role: make_person(role, role) for role in ("admin", "responder", "viewer")}


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return client.get("/console/").status_code == 200


class TestTheAdminSideDoor:
    """/admin/ ("Raw data") used to take a password alone and let rows be edited."""

    def test_a_password_alone_posted_to_the_admin_login_signs_nobody_in(self, people):
        TOTPDevice.objects.create(user=people["admin"], name="phone", confirmed=True)
        client = Client()
        response = client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert client.get("/admin/").status_code == 302
        assert "_auth_user_id" not in client.session

    def test_guessing_through_the_admin_login_never_checks_a_password(self, people):
        client = Client()
        for _ in range(3):
            client.post("/admin/login/", {"username": "admin", "password": "guess"})
        assert client.get("/admin/").status_code == 302
        # Nothing was checked there, so nothing was counted either: the console's door is the one.
        assert not SignInThrottle.objects.exists()

    def test_a_session_without_the_second_factor_is_sent_to_the_console_sign_in(self, people):
        TOTPDevice.objects.create(user=people["admin"], name="phone", confirmed=True)
        client = Client()
        client.force_login(people["admin"])  # a password-only session
        assert client.get("/admin/").status_code == 302
        response = client.get("/admin/login/?next=/admin/")
        assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"
        assert "_auth_user_id" not in client.session  # signed out: start over, with the code

    def test_a_responder_is_refused_not_sent_round_in_circles(self, people):
        client = Client()
        client.force_login(people["responder"])
        assert client.get("/admin/").status_code == 302
        assert client.get("/admin/login/").status_code == 403

    def test_an_admin_cannot_change_add_or_delete_rows_there(self, page, people):
        client = Client()
        client.force_login(people["admin"])
        component = Component.objects.get(page=page)
        base = f"/admin/status/component/{component.pk}"
        assert client.get("/admin/").status_code == 200
        assert client.get(f"{base}/change/").status_code == 200  # viewable
        client.post(f"{base}/change/", {"name": "Renamed", "status": "major_outage"})
        client.post(f"{base}/delete/", {"post": "yes"})
        assert client.get("/admin/status/component/add/").status_code == 403
        component.refresh_from_db()
        assert (component.name, component.status) == ("API", "operational")

    def test_an_admin_cannot_run_bulk_actions_there(self, page, people):
        raw_token = ApiToken.issue(people["responder"], name="ci", scope="write")[0]
        client = Client()
        client.force_login(people["admin"])
        client.post(
            "/admin/api/apitoken/",
            {"action": "revoke", "_selected_action": [raw_token.pk]},
        )
        client.post(
            "/admin/status/component/",
            {"action": "delete_selected", "_selected_action": [page.components.get().pk]},
        )
        raw_token.refresh_from_db()
        assert raw_token.revoked_at is None
        assert page.components.exists()


class TestWritesThatSkippedTheAuditLog:
    """Alert channels and subscribers used to be saved and deleted with no audit entry."""

    def test_a_channel_made_changed_and_deleted_in_the_console_is_audited(self, page, people):
        client = Client()
        client.force_login(people["admin"])
        form = {"name": "ops", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "enabled": "on"}
        assert client.post(reverse("notify:console-channels"), form).status_code == 302
        channel = Channel.objects.get()
        url = reverse("notify:console-channel", args=[channel.code])
        client.post(url, form | {"url": "http://127.0.0.1:9/other", "secret": "s3cret-value"})
        client.post(reverse("notify:console-channel-delete", args=[channel.code]))
        assert not Channel.objects.exists()
        entries = AuditEntry.objects.filter(object_type="channel").order_by("id")
        assert [e.action for e in entries] == ["channel.create", "channel.update", "channel.delete"]
        assert {e.actor for e in entries} == {people["admin"]}
        # The URL and the secret are secrets: the audit log names them, never shows them.
        logged = json.dumps([[e.before, e.after] for e in entries])
        assert "127.0.0.1:9" not in logged and "s3cret-value" not in logged

    def test_subscribers_added_and_removed_in_the_console_are_audited(self, page, people):
        client = Client()
        client.force_login(people["admin"])
        add = {"page": page.pk, "kind": "email", "address": "ana@example.org", "language": "en"}
        client.post(reverse("notify:console-subscribers"), add)
        subscriber = Subscriber.objects.get()
        client.post(reverse("notify:console-subscriber-remove", args=[subscriber.code]))
        actions = list(
            AuditEntry.objects.filter(object_type="subscriber").values_list("action", "actor")
        )
        assert sorted(actions) == sorted(
            [("subscriber.add", people["admin"].pk), ("subscriber.unsubscribe", people["admin"].pk)]
        )
        entry = AuditEntry.objects.get(action="subscriber.add")
        assert subscriber.token not in json.dumps(entry.after)
        assert subscriber.secret not in json.dumps(entry.after)

    def test_a_subscriber_changed_through_the_api_is_audited_as_the_token(self, page, people):
        raw = ApiToken.issue(people["responder"], name="bot", scope="write")[1]
        api = Client(headers={"Authorization": f"Bearer {raw}"})
        created = api.post(
            "/api/v1/pages/acme/subscribers",
            {"kind": "email", "address": "bea@example.org"},
            content_type="application/json",
        )
        assert created.status_code == 201
        code = created.json()["code"]
        api.patch(
            f"/api/v1/pages/acme/subscribers/{code}",
            {"language": "es"},
            content_type="application/json",
        )
        api.delete(f"/api/v1/pages/acme/subscribers/{code}")
        entries = AuditEntry.objects.filter(object_type="subscriber").order_by("id")
        assert [e.action for e in entries] == [
            "subscriber.subscribe",
            "subscriber.preferences",
            "subscriber.unsubscribe",
        ]
        assert {e.actor_label for e in entries} == {"responder (token bot)"}

    def test_a_subscriber_acting_through_the_public_form_and_links_is_audited(self, page):
        Client().post("/subscribe", {"kind": "email", "email": "cy@example.org", "language": "en"})
        subscriber = Subscriber.objects.get()
        Client().post(f"/subscriptions/{subscriber.token}/confirm")
        Client().post(f"/subscriptions/{subscriber.token}/unsubscribe")
        entries = AuditEntry.objects.filter(object_type="subscriber").order_by("id")
        assert [e.action for e in entries] == [
            "subscriber.subscribe",
            "subscriber.confirm",
            "subscriber.unsubscribe",
        ]
        assert {e.actor_kind for e in entries} == {"system"}

    def test_retrying_a_dead_delivery_is_audited(self, page, people):
        subscriber = subscriptions.add_confirmed(page, "email", "d@example.org", actor=SYSTEM)
        delivery = subscriptions.queue_personal(subscriber, NoticeKind.CONFIRM)
        Delivery.objects.filter(pk=delivery.pk).update(state="dead", attempts=8)
        client = Client()
        client.force_login(people["responder"])
        client.post(reverse("notify:console-retry", args=[delivery.pk]))
        delivery.refresh_from_db()
        assert delivery.state == "pending"
        entry = AuditEntry.objects.get(action="delivery.retry")
        assert entry.actor == people["responder"]


class TestSubscriberConsent:
    """A console-added webhook skipped its secret; re-adding an address skipped its consent."""

    def test_a_webhook_added_in_the_console_gets_its_welcome_ping_and_secret(self, page, people):
        client = Client()
        client.force_login(people["admin"])
        add = {
            "page": page.pk,
            "kind": "webhook",
            "address": "http://127.0.0.1:9/h",
            "language": "en",
        }
        with override_settings(NOTIFY_ALLOW_PRIVATE=True):
            response = client.post(reverse("notify:console-subscribers"), add)
        assert response.status_code == 302, response.content.decode()[:500]
        subscriber = Subscriber.objects.get()
        # Not active until its receiver answers the ping that carries the signing secret.
        assert subscriber.confirmed_at is None
        [welcome] = Delivery.objects.filter(subscriber=subscriber)
        assert welcome.notice.kind == NoticeKind.WEBHOOK_WELCOME

    def test_an_admin_re_adding_an_address_that_left_does_not_resubscribe_it(self, page, people):
        subscriber = subscriptions.add_confirmed(page, "email", "gone@example.org", actor=SYSTEM)
        subscriptions.unsubscribe(subscriber, actor=subscriptions.PUBLIC)
        client = Client()
        client.force_login(people["admin"])
        add = {"page": page.pk, "kind": "email", "address": "gone@example.org", "language": "en"}
        client.post(reverse("notify:console-subscribers"), add)
        subscriber.refresh_from_db()
        assert not subscriber.is_active
        assert subscriber.confirmed_at is None  # pending: waits for its owner's yes
        kinds = set(Delivery.objects.values_list("notice__kind", flat=True))
        assert kinds == {NoticeKind.CONFIRM}

    def test_an_admin_token_skipping_confirmation_cannot_resubscribe_one_who_left(
        self, page, people
    ):
        subscriber = subscriptions.add_confirmed(page, "email", "gone@example.org", actor=SYSTEM)
        subscriptions.unsubscribe(subscriber, actor=subscriptions.PUBLIC)
        raw = ApiToken.issue(people["admin"], name="import", scope="admin")[1]
        response = Client(headers={"Authorization": f"Bearer {raw}"}).post(
            "/api/v1/pages/acme/subscribers",
            {"kind": "email", "address": "gone@example.org", "skip_confirmation": True},
            content_type="application/json",
        )
        assert response.status_code == 201
        assert response.json()["state"] == "pending"

    def test_a_webhook_cannot_be_added_as_confirmed_by_any_caller(self, page):
        with pytest.raises(subscriptions.ValidationError) as error:
            subscriptions.add_confirmed(page, "webhook", "http://127.0.0.1:9/h", actor=SYSTEM)
        assert "welcome ping" in str(error.value)
        assert not Subscriber.objects.exists()


class TestSignInGuessing:
    """Five wrong passwords from a stranger used to lock the on-call person out."""

    def test_a_strangers_guesses_do_not_keep_the_on_call_person_out(self, people):
        stranger = Client(REMOTE_ADDR="127.0.0.9")
        for _ in range(12):
            _sign_in(stranger, "responder", "guess")
        assert _sign_in(stranger, "responder").status_code == 429  # the stranger waits
        on_call = Client(REMOTE_ADDR="127.0.0.1")
        assert _sign_in(on_call, "responder").status_code == 302
        assert _signed_in(on_call)

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES_PER_ACCOUNT=5)
    def test_guesses_spread_over_many_addresses_slow_only_new_addresses(
        self, people, monkeypatch
    ):
        # The throttle's clock stands still: the first wait is a second, which a
        # loaded machine could spend on the tries themselves and see it run out.
        frozen = timezone.now()
        monkeypatch.setattr(throttle, "timezone", SimpleNamespace(now=lambda: frozen))
        usual = Client(REMOTE_ADDR="127.0.0.1")
        assert _sign_in(usual, "responder").status_code == 302
        for n in range(2, 12):
            _sign_in(Client(REMOTE_ADDR=f"127.0.1.{n}"), "responder", "guess")
        response = _sign_in(Client(REMOTE_ADDR="127.0.2.1"), "responder")
        assert response.status_code == 429
        assert "Try again in" in response.content.decode()
        # The address the person signed in from before is not slowed by strangers.
        again = Client(REMOTE_ADDR="127.0.0.1")
        assert _sign_in(again, "responder").status_code == 302

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=2)
    def test_each_guess_past_the_free_ones_doubles_the_wait_up_to_a_ceiling(self, people):
        client = Client()
        for _ in range(3):
            _sign_in(client, "admin", "guess")
        assert _wait_of(client, "admin") == 1
        SignInThrottle.objects.update(wait_until=None)  # as if the second had passed
        _sign_in(client, "admin", "guess")
        assert _wait_of(client, "admin") == 2
        SignInThrottle.objects.update(wait_until=None, failures=40)
        _sign_in(client, "admin", "guess")
        assert _wait_of(client, "admin") == 300  # AVISO_LOGIN_MAX_DELAY_SECONDS, never a lock

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=1)
    def test_a_try_during_the_wait_is_not_checked_nor_counted(self, people):
        client = Client()
        _sign_in(client, "viewer", "guess")
        _sign_in(client, "viewer", "guess")
        before = sorted(SignInThrottle.objects.values_list("failures", flat=True))
        assert _sign_in(client, "viewer").status_code == 429  # even the right password waits
        assert not _signed_in(client)
        assert sorted(SignInThrottle.objects.values_list("failures", flat=True)) == before

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=1)
    def test_counts_are_shared_by_every_process_not_kept_in_memory(self, people):
        client = Client()
        _sign_in(client, "viewer", "guess")
        _sign_in(client, "viewer", "guess")
        cache.clear()  # what another process (or a restart) would see: no memory of it
        assert _sign_in(Client(), "viewer").status_code == 429

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=1)
    def test_old_guesses_are_forgotten_and_do_not_pile_up_rows(self, people):
        for n in range(5):
            _sign_in(Client(REMOTE_ADDR=f"127.0.3.{n}"), "viewer", "guess")
        long_ago = timezone.now() - dt.timedelta(seconds=901)
        SignInThrottle.objects.update(last_failure_at=long_ago, wait_until=None)
        _sign_in(Client(REMOTE_ADDR="127.0.4.1"), "viewer", "guess")
        # Only the newest guess's counts are left (its pair, its address, the account).
        assert SignInThrottle.objects.count() == 3
        assert set(SignInThrottle.objects.values_list("failures", flat=True)) == {1}

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=1)
    def test_a_forged_forwarded_for_header_does_not_dodge_the_count(self, people):
        for n in range(3):
            forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
            _sign_in(forged, "viewer", "guess")
        fresh_face = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.99")
        assert _sign_in(fresh_face, "viewer").status_code == 429

    @override_settings(CONSOLE_LOGIN_MAX_FAILURES=1, TRUSTED_PROXIES=parse_networks(["127.0.0.1"]))
    def test_behind_a_trusted_proxy_one_client_does_not_slow_the_others(self, people):
        guesser = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
        for _ in range(3):
            _sign_in(guesser, "viewer", "guess")
        assert _sign_in(guesser, "viewer").status_code == 429
        colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
        assert _sign_in(colleague, "viewer").status_code == 302

    def test_a_client_cannot_prepend_its_way_past_a_trusted_proxy(self):
        proxies = parse_networks(["10.0.0.0/8"])
        # The client wrote "127.0.0.5"; the proxy appended what it saw (198.51.100.7).
        assert client_address("10.0.0.2", "127.0.0.5, 198.51.100.7", proxies) == "198.51.100.7"
        assert client_address("10.0.0.2", "garbage", proxies) == "10.0.0.2"
        assert client_address("198.51.100.9", "127.0.0.5", proxies) == "198.51.100.9"
        with pytest.raises(ValueError, match="'nonsense' is not an IP address"):
            parse_networks(["10.0.0.1", "nonsense"])


def _wait_of(client: Client, username: str) -> int:
    response = _sign_in(client, username)
    assert response.status_code == 429
    return int(re.search(r"Try again in (\d+) second", response.content.decode()).group(1))


class TestTokensOutlivingTheirRole:
    """A token's scope used to hold whatever became of its owner's console role."""

    def _call(self, raw: str, method: str = "get", path: str = "/api/v1/pages", **data):
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        if method == "get":
            return client.get(path)
        return getattr(client, method)(path, data, content_type="application/json")

    def test_a_viewers_write_token_cannot_write(self, page, people):
        raw = ApiToken.issue(people["viewer"], name="old", scope="write")[1]
        assert self._call(raw).status_code == 200
        response = self._call(raw, "post", "/api/v1/pages/acme/incidents", name="Fake outage")
        assert response.status_code == 403
        assert "console role now allows only read" in response.content.decode()
        assert not page.incidents.exists()

    def test_a_demoted_responders_write_token_stops_writing_at_once(self, page, people):
        raw = ApiToken.issue(people["responder"], name="ci", scope="write")[1]
        made = self._call(raw, "post", "/api/v1/pages/acme/incidents", name="Real outage")
        assert made.status_code == 201
        assign_role(people["responder"], Role.VIEWER)
        again = self._call(raw, "post", "/api/v1/pages/acme/incidents", name="Second")
        assert again.status_code == 403
        assert page.incidents.count() == 1

    def test_a_responders_admin_token_cannot_change_the_page(self, page, people):
        raw = ApiToken.issue(people["responder"], name="x", scope="admin")[1]
        response = self._call(raw, "patch", "/api/v1/pages/acme", name="Owned")
        assert response.status_code == 403
        page.refresh_from_db()
        assert page.name == "Acme"

    def test_a_person_with_no_role_left_has_tokens_that_do_nothing(self, page, people):
        raw = ApiToken.issue(people["admin"], name="x", scope="read")[1]
        assign_role(people["admin"], None)
        assert self._call(raw).status_code == 401

    def test_the_token_command_refuses_more_than_the_role_allows(self, people):
        with pytest.raises(CommandError, match="viewer, whose tokens go up to read"):
            call_command("token", "create", "--user", "viewer", "--scope", "write")
        make_person("outsider", None)
        with pytest.raises(CommandError, match="no console role"):
            call_command("token", "create", "--user", "outsider", "--scope", "read")
        assert not ApiToken.objects.exists()


def _csp(headers) -> dict[str, str]:
    policy = headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";"))}


class TestScriptInjectionAndDowngrade:
    """No Content-Security-Policy, no HSTS: injected script would run, https could be dropped."""

    def test_public_pages_from_django_allow_no_script_at_all(self, page):
        response = Client().get("/")
        policy = _csp(response)
        assert policy["default-src"] == "'none'"
        assert "script-src" not in policy  # so default-src 'none' holds for scripts
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert b"<script" not in response.content

    def test_public_pages_from_snapshots_carry_the_same_policy(self, page, django_wsgi):  # noqa: F811
        render_snapshots()
        app = SnapshotApp(django_wsgi, SnapshotStore())
        hit = wsgi_get(app, "/")
        assert hit.status_code == 200 and "etag" in hit.headers  # served by the snapshot layer
        django_answer = Client().get("/")
        assert hit.headers["content-security-policy"] == django_answer["Content-Security-Policy"]
        assert hit.headers["x-content-type-options"] == "nosniff"
        not_modified = wsgi_get(app, "/", If_None_Match=hit.headers["etag"])
        assert not_modified.status_code == 304
        assert "content-security-policy" in not_modified.headers

    def test_the_console_runs_only_scripts_carrying_this_requests_nonce(self, page, people):
        client = Client()
        client.force_login(people["responder"])
        first, second = client.get("/console/"), client.get("/console/")
        nonces = [
            re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]) for r in (first, second)
        ]
        assert nonces[0] and nonces[1] and nonces[0].group(1) != nonces[1].group(1)
        assert "unsafe-inline" not in _csp(first)["script-src"]
        html = first.content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts, "htmx is loaded"
        for tag in scripts:
            assert f'nonce="{nonces[0].group(1)}"' in tag, tag

    def test_the_sign_in_page_cannot_be_framed(self, page):
        response = Client().get(LOGIN)
        assert _csp(response)["frame-ancestors"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"

    @override_settings(
        BASE_URL="https://status.example.com",
        SECURE_HSTS_SECONDS=HSTS_SECONDS,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        SESSION_COOKIE_SECURE=True,
    )
    def test_over_https_behind_a_proxy_browsers_are_told_to_stay_on_https(self, page, people):
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        response = client.get("/")
        assert response["Strict-Transport-Security"].startswith(f"max-age={HSTS_SECONDS}")
        signed = _sign_in(client, "viewer")
        assert signed.cookies["sessionid"]["secure"] is True

    def test_https_base_url_turns_on_hsts_secure_cookies_and_the_proxy_header(self, tmp_path):
        code = (
            "from django.conf import settings as s; import json; print(json.dumps(["
            "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
            " s.SECURE_PROXY_SSL_HEADER, [str(n) for n in s.TRUSTED_PROXIES]]))"
        )
        env = os.environ | {
            "AVISO_DATA_DIR": str(tmp_path),
            "AVISO_BASE_URL": "https://status.example.com",
            "AVISO_SECURE_PROXY_HEADER": "X-Forwarded-Proto",
            "AVISO_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
            "DJANGO_SETTINGS_MODULE": "aviso.settings",
            "PYTHONPATH": str(ROOT),
        }
        out = subprocess.run(  # noqa: S603 - our own interpreter, our own code
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        ).stdout
        assert json.loads(out) == [
            HSTS_SECONDS,
            True,
            True,
            ["HTTP_X_FORWARDED_PROTO", "https"],
            ["10.0.0.1/32", "192.168.0.0/16"],
        ]

    def test_a_malformed_proxy_header_setting_is_refused_with_what_to_fix(self):
        assert parse_proxy_header("X-Forwarded-Proto: on") == ("HTTP_X_FORWARDED_PROTO", "on")
        assert parse_proxy_header("") is None
        with pytest.raises(ValueError, match="must be a header name like X-Forwarded-Proto"):
            parse_proxy_header("X Forwarded Proto")


INJECT = """() => {
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.body.appendChild(s);
    return window.injected === true;
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
class TestInjectedScriptInABrowser:
    """What Chromium does with a script that got into a page (an XSS that slipped through)."""

    def test_an_injected_script_runs_neither_on_the_public_page_nor_in_the_console(
        self, people, live_server, browser
    ):
        # ``people`` (the data) before ``browser``: inside Playwright's loop the ORM must not run.
        context = browser.new_context()
        tab = context.new_page()
        violations = []
        tab.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m))
        try:
            tab.goto(live_server.url + "/")
            assert tab.evaluate(INJECT) is False
            tab.goto(live_server.url + LOGIN)
            tab.fill("#id_username", "responder")
            tab.fill("#id_password", PASSWORD)
            tab.click("button[type=submit]")
            tab.wait_for_url(live_server.url + "/console/")
            # The console's own scripts (htmx, loaded with the nonce) run...
            assert tab.evaluate("() => typeof window.htmx") == "object"
            # ...an injected one without the nonce does not.
            assert tab.evaluate(INJECT) is False
        finally:
            context.close()
        assert violations, "Chromium reported the refused scripts"
