"""Leaks: what reaches the public, the API, audit entries, exports and backups.

Each class is one attack: a way an outage or a careless read could put the
inside (addresses, error strings, credentials, signing keys) where it does not
belong. docs/security.md, "What is sealed" and "What the public sees", says
what each defends.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from aviso.api.models import ApiToken
from aviso.config.backup import BackupError, backup, restore
from aviso.detection.tests.helpers import check
from aviso.lib.sealed import REDACTED, Keyring, is_sealed
from aviso.monitors import lifecycle as monitors
from aviso.monitors.models import Monitor
from aviso.notify import signing
from aviso.notify.channels import save_channel, send_test
from aviso.notify.models import Channel, Subscriber
from aviso.notify.subscriptions import add_confirmed, subscribe_webhook
from aviso.notify.testing import HttpReceiver
from aviso.notify.tests.helpers import confirmed_webhook, drain
from aviso.status import lifecycle
from aviso.status.models import AuditEntry, Event, Incident
from aviso.status.sealing import reseal
from aviso.status.timeline import incident_timeline
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db

DSN_PASSWORD = "hunter2-do-not-show"  # noqa: S105 - the secret these tests chase
DSN = f"postgresql://monitor:{DSN_PASSWORD}@127.0.0.1:5432/postgres"
BEARER = "Bearer tok-3f9a-never-in-public"  # noqa: S105
SLACK_TOKEN = "T000/B000/slack-token-never-shown"  # noqa: S105
# A subscriber's webhook; nothing is sent to it (the signing key is what matters).
WEBHOOK = "http://127.0.0.1:9/hook"
# A monitor's name that is itself inside knowledge (a host and a port).
INTERNAL_NAME = "pg-primary.internal:6432"


@pytest.fixture
def receiver(settings):
    settings.NOTIFY_ALLOW_PRIVATE = True
    settings.NOTIFY_WEBHOOK_TIMEOUT = 2
    http = HttpReceiver().start()
    yield http
    http.stop()


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens: connections are refused
    return port


def bearer(scope: str) -> dict:
    user = make_person(f"bot-{scope}-{ApiToken.objects.count()}", "admin")
    _, raw = ApiToken.issue(user, name=scope, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def raw_column(table: str, column: str) -> str:
    """Every stored value of a column, as the database holds it (no model code between)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - test-only constants
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def audit_text() -> str:
    return json.dumps([[e.before, e.after] for e in AuditEntry.objects.all()])


def postgres_monitor(**fields) -> Monitor:
    return monitors.create_monitor(
        actor=SYSTEM, name="Main database", kind="postgres", config={"dsn": DSN}, **fields
    )


# --- what the public sees --------------------------------------------------------------


class TestCheckErrorsPublishedByAutomation:
    """Attack: make a monitor fail so its error ("Connection refused", the address, an
    internal host name) is published on the page, the feeds, the v2 JSON and in every
    subscriber's email and webhook."""

    @pytest.fixture(autouse=True)
    def _resolve_at_once(self, settings):
        settings.DETECTION_RESOLVE_AFTER_SECONDS = 0

    def test_public_text_names_only_the_component(self, smtp, receiver, closed_port):
        page = make_page("Acme")
        component = make_component(page, "Messaging")
        add_confirmed(page, "email", "ana@example.org", actor=SYSTEM)
        confirmed_webhook(page, receiver.url("subscriber"))
        save_channel(
            None, actor=SYSTEM, name="ops", kind="webhook", config={"url": receiver.url("ops")}
        )
        monitor = monitors.create_monitor(
            actor=SYSTEM,
            name=INTERNAL_NAME,
            kind="tcp",
            config={"host": "127.0.0.1", "port": closed_port},
            component=component,
            confirmations_down=1,
        )
        check(monitor)
        incident = Incident.objects.get()
        drain()
        monitor.refresh_from_db()
        message = monitor.last_message.split(": ", 1)[1]  # "cannot connect: <the error>"

        inside = (message, INTERNAL_NAME, str(closed_port))
        client = Client()
        public = {
            path: client.get(path).content.decode()
            for path in (
                "/",
                f"/incidents/{incident.code}",
                "/history",
                "/history.atom",
                "/history.rss",
                "/api/v2/summary.json",
                "/api/v2/incidents.json",
                "/api/v2/incidents/unresolved.json",
            )
        }
        emails = [content.decode(errors="replace") for _, content in smtp.messages]
        hooks = [r.body.decode() for r in receiver.requests if r.path == "/subscriber"]
        assert emails and hooks
        for text in [*public.values(), *emails, *hooks]:
            for secret in inside:
                assert secret not in text
        assert "investigating an issue that may be affecting Messaging" in public["/"]
        assert incident.name == "Messaging: outage"

        # The operators and the postmortem timeline still get every detail.
        ops = [r.json() for r in receiver.requests if r.path == "/ops"]
        assert any(message in alert["detail"] for alert in ops)
        timeline = " ".join(e.text for e in incident_timeline(incident))
        assert message in timeline and INTERNAL_NAME in timeline

    def test_recovery_and_resolution_name_only_the_component(self, closed_port):
        page = make_page("Acme")
        component = make_component(page, "Messaging")
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        monitor = monitors.create_monitor(
            actor=SYSTEM, name=INTERNAL_NAME, kind="tcp",
            config={"host": "127.0.0.1", "port": port}, component=component,
            confirmations_down=1,
        )  # fmt: skip
        check(monitor)  # refused: nothing listens yet
        listener.listen()
        try:
            check(monitor)  # recovered: monitoring
            from aviso.detection import engine

            engine.sweep()  # stable long enough: resolved
        finally:
            listener.close()
        bodies = list(Incident.objects.get().updates.values_list("body", flat=True))
        assert len(bodies) == 3
        assert all("Messaging" in body and INTERNAL_NAME not in body for body in bodies)
        assert not any(str(port) in body for body in bodies)


class TestAutomationTextsPerPage:
    """Attack: rely on English defaults or code-like templates. A page's own words are
    used, in its language, and a template is text, never a format string."""

    def test_a_page_in_spanish_gets_spanish_defaults(self, closed_port):
        page = make_page("Acme", languages=["es"])
        component = make_component(page, "Pagos")
        monitor = monitors.create_monitor(
            actor=SYSTEM, name="x", kind="tcp", config={"host": "127.0.0.1", "port": closed_port},
            component=component, confirmations_down=1,
        )  # fmt: skip
        check(monitor)
        body = Incident.objects.get().updates.get().body
        assert "Pagos" in body and "investigando" in body

    def test_a_page_template_is_used_and_is_not_code(self, closed_port):
        page = make_page("Acme")
        lifecycle.update_page(
            page,
            actor=SYSTEM,
            automation_texts={"investigating": "Trouble with {component}. {0.__class__} {x}"},
        )
        component = make_component(page, "Search")
        monitor = monitors.create_monitor(
            actor=SYSTEM, name="x", kind="tcp", config={"host": "127.0.0.1", "port": closed_port},
            component=component, confirmations_down=1,
        )  # fmt: skip
        check(monitor)
        assert Incident.objects.get().updates.get().body == "Trouble with Search. {0.__class__} {x}"

    def test_bad_templates_are_refused_with_the_step_named(self):
        page = make_page("Acme")
        for bad, word in (({"nonsense": "x"}, "nonsense"), ({"resolved": 5}, "resolved")):
            with pytest.raises(lifecycle.LifecycleError) as refused:
                lifecycle.update_page(page, actor=SYSTEM, automation_texts=bad)
            assert word in refused.value.errors["automation_texts"]
        page.refresh_from_db()
        assert page.automation_texts == {}

    def test_the_console_edits_them_through_the_lifecycle(self, client):
        page = make_page("Acme")
        client.force_login(make_person("root", "admin"))
        form = {
            "name": "Acme", "slug": page.slug, "time_zone": page.time_zone,
            "automation_monitoring": "All good with {component} again.",
        }  # fmt: skip
        response = client.post("/console/settings/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
        page.refresh_from_db()
        assert page.automation_texts == {"monitoring": "All good with {component} again."}
        entry = AuditEntry.objects.filter(action="page.update").latest("id")
        assert entry.after["automation_texts"] == page.automation_texts
        shown = client.get("/console/settings/").content.decode()
        assert "All good with {component} again." in shown
        assert "may be affecting {component}" in shown  # the defaults, as help

    def test_the_console_keeps_what_was_typed_when_a_text_is_refused(self, client):
        page = make_page("Acme")
        client.force_login(make_person("root", "admin"))
        too_long = "Trouble with {component}. " + "x" * 2000
        form = {
            "name": "Acme", "slug": page.slug, "time_zone": page.time_zone,
            "automation_resolved": too_long,
        }  # fmt: skip
        response = client.post("/console/settings/", form)
        assert response.status_code == 400
        body = response.content.decode()
        assert "at most 2000 characters" in body and too_long in body
        page.refresh_from_db()
        assert page.automation_texts == {}


# --- what is sealed --------------------------------------------------------------------


class TestMonitorCredentialsAtRest:
    """Attack: read a monitor's DSN or password from the database, the API (even with a
    read-scope token), the console (even as a viewer) or the audit log."""

    def test_the_dsn_is_sealed_in_the_row_and_opened_for_the_probe(self):
        monitor = postgres_monitor()
        assert DSN_PASSWORD not in raw_column("monitors_monitor", "config")
        assert is_sealed(Monitor.objects.get(pk=monitor.pk).config["dsn"])
        assert monitor.typed_config.dsn == DSN

    def test_the_api_shows_it_as_set_and_keeps_it_when_sent_back(self, client):
        monitor = postgres_monitor()
        for scope in ("read", "admin"):
            shown = client.get(f"/api/v1/monitors/{monitor.code}", **bearer(scope)).json()
            assert shown["config"]["dsn"] == REDACTED
        listing = client.get("/api/v1/monitors", **bearer("read")).content.decode()
        assert DSN_PASSWORD not in listing
        config = shown["config"] | {"connections_warn": 0.5}
        changed = client.patch(
            f"/api/v1/monitors/{monitor.code}",
            json.dumps({"config": config}),
            content_type="application/json",
            **bearer("write"),
        )
        assert changed.status_code == 200, changed.content
        monitor.refresh_from_db()
        assert monitor.typed_config.dsn == DSN and monitor.typed_config.connections_warn == 0.5

    def test_the_placeholder_cannot_create_a_secret(self):
        with pytest.raises(lifecycle.LifecycleError) as refused:
            monitors.create_monitor(
                actor=SYSTEM, name="db", kind="postgres", config={"dsn": REDACTED}
            )
        assert "config.dsn" in refused.value.errors
        assert not Monitor.objects.exists()

    def test_the_audit_log_never_holds_it(self):
        monitor = postgres_monitor()
        monitors.update_monitor(
            monitor, actor=SYSTEM, config={"dsn": DSN.replace("hunter2", "hunter3")}
        )
        monitors.delete_monitor(Monitor.objects.get(pk=monitor.pk), actor=SYSTEM)
        text = audit_text()
        assert "hunter" not in text and "sealed:v1:" not in text
        update = AuditEntry.objects.get(action="monitor.update")
        assert update.after["config"]["dsn"] == "[sealed, changed]"

    def test_the_console_form_shows_it_as_set(self, client):
        monitor = postgres_monitor()
        for role in ("admin", "viewer"):
            client.force_login(make_person(f"p-{role}", role))
            paths = [f"/console/monitors/{monitor.code}/", "/console/monitors/"]
            if role == "admin":
                paths.append(f"/console/monitors/{monitor.code}/edit/")
            for path in paths:
                page = client.get(path).content.decode()
                assert DSN_PASSWORD not in page and "sealed:v1:" not in page

    def test_an_authorization_header_reaches_the_target_only(self, client, receiver):
        monitor = monitors.create_monitor(
            actor=SYSTEM,
            name="API",
            kind="http",
            config={
                "url": receiver.url("ok"),
                "method": "POST",
                "headers": {"Authorization": BEARER, "Accept": "text/plain"},
            },
        )
        stored = Monitor.objects.get(pk=monitor.pk).config["headers"]
        assert is_sealed(stored["Authorization"]) and stored["Accept"] == "text/plain"
        assert BEARER not in raw_column("monitors_monitor", "config")
        check(monitor)
        assert receiver.requests[0].headers["Authorization"] == BEARER
        shown = client.get(f"/api/v1/monitors/{monitor.code}", **bearer("read")).json()
        assert shown["config"]["headers"] == {"Authorization": REDACTED, "Accept": "text/plain"}


class TestChannelSecretsAtRest:
    """Attack: lift an alert channel's URL (Slack's carries its token) or signing secret
    from the database, the console's edit form or the audit log."""

    def test_the_url_and_secret_are_sealed_and_used_only_to_send(self, client, receiver):
        url = receiver.url(f"ops/{SLACK_TOKEN}")
        channel = save_channel(
            None,
            actor=SYSTEM,
            name="ops",
            kind="webhook",
            config={"url": url, "secret": "sign-me-secret"},
        )
        stored = raw_column("notify_channel", "config")
        assert SLACK_TOKEN not in stored and "sign-me-secret" not in stored
        make_page("Acme")
        send_test(channel, actor=SYSTEM)
        drain()
        [request] = receiver.requests
        assert SLACK_TOKEN in request.path
        assert signing.verify("sign-me-secret", request.body, request.headers["X-Aviso-Signature"])

        client.force_login(make_person("root", "admin"))
        form = client.get(f"/console/notify/channels/{channel.code}/").content.decode()
        assert SLACK_TOKEN not in form and "sign-me-secret" not in form and REDACTED in form
        assert SLACK_TOKEN not in audit_text()

    def test_saving_the_form_unchanged_keeps_them(self):
        channel = save_channel(
            None,
            actor=SYSTEM,
            name="ops",
            kind="slack",
            config={"url": "https://hooks.slack.com/services/" + SLACK_TOKEN},
        )
        save_channel(channel, actor=SYSTEM, name="ops 2", kind="slack", config={"url": REDACTED})
        channel = Channel.objects.get(pk=channel.pk)
        assert channel.name == "ops 2"
        assert channel.opened_config["url"].endswith(SLACK_TOKEN)
        audit = AuditEntry.objects.filter(object_type="channel").order_by("id")
        assert [e.action for e in audit] == ["channel.create", "channel.update"]
        assert audit.last().after["config"]["url"] == REDACTED


class TestSubscriberSigningSecretAtRest:
    """Attack: read a webhook subscriber's signing key from the database and forge
    Aviso's signatures."""

    def test_it_is_sealed_and_still_signs(self, settings):
        settings.NOTIFY_ALLOW_PRIVATE = True
        subscriber = subscribe_webhook(make_page("Acme"), WEBHOOK, actor=SYSTEM)
        opened = Subscriber.objects.get(pk=subscriber.pk).signing_secret
        assert len(opened) == 64
        assert opened not in raw_column("notify_subscriber", "secret")
        body = b"{}"
        assert signing.verify(opened, body, signing.sign(opened, body))


class TestKeyRotation:
    """Attack: a leaked encryption key stays good forever. Rotation: new key first, old
    after, ``aviso reseal``, then the old key goes and still nothing is lost."""

    def test_reseal_moves_every_secret_to_the_new_key(self, settings):
        settings.NOTIFY_ALLOW_PRIVATE = True
        settings.ENCRYPTION_KEYS = ["old-key"]
        monitor = postgres_monitor()
        subscriber = subscribe_webhook(make_page("Acme"), WEBHOOK, actor=SYSTEM)
        secret = Subscriber.objects.get(pk=subscriber.pk).signing_secret
        settings.ENCRYPTION_KEYS = ["new-key", "old-key"]
        assert reseal() >= 2
        settings.ENCRYPTION_KEYS = ["new-key"]
        assert Monitor.objects.get(pk=monitor.pk).typed_config.dsn == DSN
        assert Subscriber.objects.get(pk=subscriber.pk).signing_secret == secret
        old = Keyring(["old-key"])
        assert not old.opens(Monitor.objects.get(pk=monitor.pk).config["dsn"])

    def test_reseal_with_a_key_missing_changes_nothing(self, settings):
        settings.ENCRYPTION_KEYS = ["old-key"]
        monitor = postgres_monitor()
        before = Monitor.objects.get(pk=monitor.pk).config
        settings.ENCRYPTION_KEYS = ["new-key"]
        with pytest.raises(CommandError, match="nothing was changed"):
            call_command("reseal")
        assert Monitor.objects.get(pk=monitor.pk).config == before

    def test_a_secret_under_a_lost_key_is_refused_clearly_and_replaced(self, settings):
        settings.ENCRYPTION_KEYS = ["lost-key"]
        monitor = postgres_monitor()
        settings.ENCRYPTION_KEYS = ["new-key"]
        with pytest.raises(lifecycle.LifecycleError) as refused:
            monitors.update_monitor(monitor, actor=SYSTEM, name="Renamed")
        assert "another key" in refused.value.errors["config"]
        with pytest.raises(lifecycle.LifecycleError) as refused:
            monitors.update_monitor(monitor, actor=SYSTEM, config={"dsn": REDACTED})
        assert "enter the secret again" in refused.value.errors["config"]
        monitors.update_monitor(monitor, actor=SYSTEM, config={"dsn": DSN})
        assert Monitor.objects.get(pk=monitor.pk).typed_config.dsn == DSN


# --- backups ---------------------------------------------------------------------------


class TestBackupFile:
    """Attack: read the backup file (another user on the machine, a copied archive) for
    the credentials, or restore it where the keys are different and lose them silently."""

    def test_the_file_is_private_and_its_secrets_stay_sealed(self, tmp_path: Path):
        postgres_monitor()
        save_channel(
            None,
            actor=SYSTEM,
            name="ops",
            kind="slack",
            config={"url": "https://hooks.slack.com/services/" + SLACK_TOKEN},
        )
        target = tmp_path / "aviso.jsonl.gz"
        target.write_text("left by someone")
        target.chmod(0o644)
        old_umask = os.umask(0o022)
        try:
            backup(target)
        finally:
            os.umask(old_umask)
        assert target.stat().st_mode & 0o777 == 0o600
        fresh = tmp_path / "fresh.jsonl.gz"
        backup(fresh)
        assert fresh.stat().st_mode & 0o777 == 0o600
        text = gzip.open(target, "rt").read()
        assert DSN_PASSWORD not in text and SLACK_TOKEN not in text
        assert "sealed:v1:" in text

    def test_restore_with_another_key_says_so_in_one_line(self, tmp_path: Path, settings):
        postgres_monitor()
        target = tmp_path / "aviso.jsonl.gz"
        backup(target)
        settings.ENCRYPTION_KEYS = ["some-other-key"]
        with pytest.raises(BackupError) as refused:
            restore(target, migrate=False)
        message = str(refused.value)
        assert "\n" not in message and "another encryption key" in message
        assert "AVISO_ENCRYPTION_KEY" in message
        with pytest.raises(CommandError) as command:
            call_command("restore", str(target))
        assert "another encryption key" in str(command.value)
        assert Monitor.objects.count() == 1  # nothing was touched


class TestSecretKeyFile:
    """Attack: point AVISO_SECRET_KEY_FILE at a missing or empty file and get a fresh,
    generated secret key (every session and sealed secret silently lost)."""

    def _settings(self, tmp_path: Path, key_file: Path) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
        env |= {"AVISO_DATA_DIR": str(tmp_path / "data"), "AVISO_SECRET_KEY_FILE": str(key_file)}
        code = "import aviso.settings as s; print(s.SECRET_KEY)"
        return subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )

    def test_the_file_is_read(self, tmp_path: Path):
        key_file = tmp_path / "key"
        key_file.write_text("from-the-file-1234\n")
        done = self._settings(tmp_path, key_file)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "from-the-file-1234"

    @pytest.mark.parametrize("problem", ["missing", "empty"])
    def test_a_bad_file_stops_with_one_line(self, tmp_path: Path, problem: str):
        key_file = tmp_path / "key"
        if problem == "empty":
            key_file.write_text("\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
        env |= {"AVISO_DATA_DIR": str(tmp_path / "data"), "AVISO_SECRET_KEY_FILE": str(key_file)}
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-m", "aviso", "manage", "check"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0
        assert done.stderr.startswith("aviso: AVISO_SECRET_KEY_FILE")
        assert not (tmp_path / "data" / "secret_key").exists()


def test_every_event_detail_stays_out_of_public_notices(closed_port):
    """Attack: read the outbox's operator detail through the public notice data."""
    page = make_page("Acme")
    component = make_component(page, "API")
    monitor = monitors.create_monitor(
        actor=SYSTEM, name=INTERNAL_NAME, kind="tcp",
        config={"host": "127.0.0.1", "port": closed_port}, component=component,
        confirmations_down=1,
    )  # fmt: skip
    check(monitor)
    event = Event.objects.filter(incident__isnull=False).get()
    monitor.refresh_from_db()
    message = monitor.last_message
    assert message and message in event.payload["detail"]
    from aviso.notify.messages import webhook_body
    from aviso.notify.notices import NoticeKind, notice_data

    data = notice_data(event, NoticeKind.INCIDENT)
    assert message not in json.dumps(webhook_body(data, "t")) + data["body"]
    assert str(closed_port) not in json.dumps(webhook_body(data, "t")) + data["body"]
