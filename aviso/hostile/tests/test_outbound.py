"""Attacks through Aviso's outbound connections: probes, webhooks, the import, mail.

Each class is one attack; its docstring says what the attacker tries. Every
test runs under a tripwire (``wire.Tripwire``): a socket may connect to the
loopback only, so a refusal is proven before any packet could leave, and a
stand-in resolver answers the test's host names without asking DNS.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import re
import struct

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aviso.api.models import ApiToken
from aviso.config.statuspage_import import import_statuspage
from aviso.config.statuspage_source import StatuspageError
from aviso.console.tests.base import Scene
from aviso.lib import markdown, netguard
from aviso.lib.http import OutboundError, fetch
from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import parse_config
from aviso.monitors.models import Monitor
from aviso.monitors.probes import ProbeContext, Target, probes, run_probe
from aviso.monitors.tests.targets import DnsResponder, HttpTarget
from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery
from aviso.notify.subscriptions import add_confirmed, subscribe_webhook
from aviso.notify.testing import SmtpSink
from aviso.notify.tests.helpers import drain
from aviso.notify.transports.http import HttpPump, HttpRequest
from aviso.status import lifecycle
from aviso.status.lifecycle.validation import MAX_BODY_CHARS
from aviso.testing import SYSTEM, make_component, make_page, make_person

from .wire import Recorder, ScriptedServer, Tripwire, ca_and_server_cert, stand_in_dns

# The address guard acts before any connection, whatever the database: the
# PostgreSQL pass skips this file.
pytestmark = pytest.mark.engine_independent

METADATA = ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2"]
# The same address spelled so that a check on the text alone misses it.
METADATA_SPELLINGS = ["2852039166", "0xa9fea9fe", "169.254.43518", "::ffff:169.254.169.254"]
SECRET = "s3cr3t-from-the-inside"


@pytest.fixture(autouse=True)
def tripwire(monkeypatch):
    wire = Tripwire(monkeypatch)
    yield wire
    assert wire.attempts == [], f"a socket tried to leave the loopback: {wire.attempts}"


def check(kind: str, config: dict, *, block_private: bool = False, allow=(), timeout=3.0):
    target = Target(0, kind, parse_config(kind, config), timeout)
    return asyncio.run(run_probe(target, ProbeContext(block_private=block_private, allow=allow)))


def bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# One configuration per kind that connects, aimed at ``host``. A new probe kind
# fails TestEveryProbeKindIsGuarded until it is listed here.
SAMPLES = {
    "http": lambda host: {"url": f"http://{bracket(host)}/latest/meta-data/iam/"},
    "tls": lambda host: {"host": host, "port": 443},
    "tcp": lambda host: {"host": host, "port": 80},
    "dns": lambda host: {"name": "example.com", "server": host},
    "postgres": lambda host: {"dsn": f"host={host} port=5432 dbname=postgres user=x"},
    "redis": lambda host: {"host": host, "port": 6379},
    "mysql": lambda host: {"host": host, "username": "x", "password": "y"},
    "smtp": lambda host: {"host": host, "tls": "starttls"},
    "websocket": lambda host: {"url": f"ws://{bracket(host)}/socket"},
    "mqtt": lambda host: {"host": host, "topic": "aviso/probe"},
    "amqp": lambda host: {"host": host, "password": "guest", "queue": "jobs"},
    "nats": lambda host: {"host": host, "subject": "health"},
    "grpc": lambda host: {"host": host, "port": 50051},
    "ping": lambda host: {"host": host},
    "browser": lambda host: {"url": f"http://{bracket(host)}/login", "expected_text": "Welcome"},
}
CONNECTS_NOWHERE = {"heartbeat"}


def bearer() -> dict:
    _, raw = ApiToken.issue(make_person("bot", "responder"), name="bot", scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TestEveryProbeKindIsGuarded:
    """A monitor of any kind aimed at the cloud metadata service, to read the host's
    credentials: by a literal address or by a name that resolves there."""

    @pytest.fixture(autouse=True)
    def _no_libpq_connect(self, monkeypatch):
        # libpq connects from C, out of the tripwire's sight: it must not be reached at all.
        async def refuse(*args, **kwargs):
            raise AssertionError("psycopg was asked to connect")

        monkeypatch.setattr(psycopg.AsyncConnection, "connect", refuse)

    def test_every_registered_kind_has_a_sample_here(self):
        assert set(probes()) == set(SAMPLES) | CONNECTS_NOWHERE, (
            "a probe kind without a sample here is not shown to be guarded: add it to SAMPLES"
        )
        for kind in CONNECTS_NOWHERE:
            assert parse_config(kind, {}).endpoints() == []

    @pytest.mark.parametrize("kind", sorted(SAMPLES))
    @pytest.mark.parametrize("address", METADATA + METADATA_SPELLINGS[:3])
    def test_a_literal_metadata_address_is_refused_before_connecting(self, kind, address):
        outcome = check(kind, SAMPLES[kind](address))
        assert outcome.status == CheckStatus.DOWN
        assert "cloud metadata address" in outcome.message, outcome.message

    @pytest.mark.parametrize("kind", sorted(SAMPLES))
    def test_a_name_resolving_to_metadata_is_refused_before_connecting(self, kind, monkeypatch):
        stand_in_dns(monkeypatch, {"metadata.attacker.test": ["93.184.215.14", "169.254.169.254"]})
        outcome = check(kind, SAMPLES[kind]("metadata.attacker.test"))
        assert outcome.status == CheckStatus.DOWN
        assert "metadata.attacker.test (169.254.169.254) is a cloud metadata" in outcome.message

    @pytest.mark.parametrize("kind", sorted(SAMPLES))
    def test_private_addresses_are_refused_with_blocking_on(self, kind, monkeypatch):
        stand_in_dns(monkeypatch, {"db.internal.test": "10.0.0.7"})
        for host in ("127.0.0.1", "db.internal.test"):
            outcome = check(kind, SAMPLES[kind](host), block_private=True)
            assert "private, loopback or link-local" in outcome.message, (kind, outcome.message)

    def test_only_an_explicit_allow_list_entry_lets_one_through(self):
        allow = netguard.parse_allow(["169.254.169.254"])
        assert netguard.Policy(allow=allow).check("169.254.169.254") == "169.254.169.254"
        with pytest.raises(netguard.BlockedAddress):
            netguard.Policy(allow=allow).check("169.254.170.2")
        with pytest.raises(netguard.BlockedAddress):  # private allowed is not metadata allowed
            netguard.Policy(block_private=False).check("::ffff:169.254.169.254")


class TestTcpAndRedisReachLoopbackWithBlockingOn:
    """With AVISO_OUTBOUND_BLOCK_PRIVATE on, a TCP or Redis monitor aimed at a service
    on the host itself (127.0.0.1): the setting used to bind the HTTP probe only."""

    @pytest.mark.parametrize("kind", ["tcp", "redis"])
    def test_it_is_refused_and_the_service_sees_nothing(self, kind):
        server = ScriptedServer(replies=[b"+PONG\r\n"])
        try:
            outcome = check(kind, {"host": "127.0.0.1", "port": server.port}, block_private=True)
        finally:
            server.stop()
        assert outcome.status == CheckStatus.DOWN
        assert "127.0.0.1 is a private, loopback or link-local address" in outcome.message
        assert server.connections == 0

    def test_an_allow_listed_address_is_reached(self):
        server = ScriptedServer()
        try:
            allow = netguard.parse_allow(["127.0.0.0/8"])
            config = {"host": "127.0.0.1", "port": server.port}
            outcome = check("tcp", config, block_private=True, allow=allow)
        finally:
            server.stop()
        assert outcome.status == CheckStatus.UP


class TestDnsRebinding:
    """A name that answers a harmless address to the check and the metadata address to
    the connect: the probe must connect to the address it checked."""

    def test_the_name_is_resolved_once_and_that_address_connected_to(self, monkeypatch):
        server = ScriptedServer()
        lookups = stand_in_dns(
            monkeypatch,
            {"flip.attacker.test": "127.0.0.1"},
            later={"flip.attacker.test": "169.254.169.254"},
        )
        try:
            outcome = check("tcp", {"host": "flip.attacker.test", "port": server.port})
        finally:
            server.stop()
        assert outcome.status == CheckStatus.UP
        assert lookups == {"flip.attacker.test": 1}
        assert server.connections == 1


class TestMetadataRefusedWhenTheMonitorIsSaved:
    """A monitor saved with a literal metadata address (the API answers 422 naming the
    field, nothing is stored), whatever AVISO_OUTBOUND_BLOCK_PRIVATE says."""

    pytestmark = pytest.mark.django_db

    @pytest.mark.parametrize("kind", sorted(SAMPLES))
    @pytest.mark.parametrize("address", METADATA + METADATA_SPELLINGS)
    def test_the_api_answers_422(self, client, settings, kind, address):
        settings.OUTBOUND_BLOCK_PRIVATE = False
        body = {"name": "Sneaky", "kind": kind, "config": SAMPLES[kind](address)}
        response = client.post(
            "/api/v1/monitors", json.dumps(body), content_type="application/json", **bearer()
        )
        assert response.status_code == 422, response.content
        [(field, message)] = response.json()["errors"].items()
        assert field.startswith("config.")
        assert "cloud metadata address" in message
        assert not Monitor.objects.exists()

    def test_the_console_form_says_so_and_keeps_what_was_typed(self, client):
        client.force_login(make_person("oncall", "responder"))
        answer = client.post("/console/monitors/new/", {
            "name": "x", "kind": "tcp", "shown_kind": "tcp", "interval_seconds": 30,
            "timeout_seconds": 1, "confirmations_down": 1, "confirmations_up": 1,
            "config_host": "0xa9fea9fe", "config_port": 80,
        })  # fmt: skip
        page = answer.content.decode()
        assert answer.status_code == 400
        # On the host box itself.
        assert re.search(
            r'<ul class="errorlist" id="id_config_host_error"><li>refused: 0xa9fea9fe '
            r"\(169\.254\.169\.254\) is a cloud metadata address",
            page,
        )
        assert "0xa9fea9fe" in page
        assert not Monitor.objects.exists()

    def test_a_listed_address_may_be_saved(self, client, settings):
        settings.OUTBOUND_ALLOW = netguard.parse_allow(["169.254.169.254/32"])
        body = {"name": "IMDS", "kind": "tcp", "config": {"host": "169.254.169.254", "port": 80}}
        response = client.post(
            "/api/v1/monitors", json.dumps(body), content_type="application/json", **bearer()
        )
        assert response.status_code == 201, response.content

    def test_a_bad_allow_list_entry_is_named(self):
        with pytest.raises(ValueError, match="'10.0.0.300' is not an IP address or network"):
            netguard.parse_allow(["127.0.0.1", "10.0.0.300"])


class TestRedirectIntoTheMetadataService:
    """An HTTP monitor on a harmless URL that redirects to the metadata service (or to a
    name resolving there): each hop is checked, not only the first."""

    @pytest.fixture(scope="class")
    def web(self):
        server = HttpTarget()
        yield server
        server.stop()

    @pytest.mark.parametrize(
        "where", ["http://169.254.169.254/latest/", "http://[fd00:ec2::254]/", "http://imds.test/"]
    )
    def test_the_hop_is_refused(self, web, monkeypatch, where):
        stand_in_dns(monkeypatch, {"imds.test": "169.254.169.254"})
        outcome = check("http", {"url": f"{web.url}/go?to={where}"})
        assert outcome.status == CheckStatus.DOWN
        assert "cloud metadata address" in outcome.message


class TestProbeEchoesWhatTheTargetSent:
    """A monitor aimed at an internal service to read it out through the probe's
    message: a JSON value, a banner, an error reply, DNS answers."""

    def test_a_json_value_is_not_repeated(self):
        body = json.dumps({"data": {"state": SECRET}}).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        server = ScriptedServer(replies=[head + body], close=True)
        try:
            conf = {"url": f"http://127.0.0.1:{server.port}/", "json_path": "data.state",
                    "json_equals": "ok"}  # fmt: skip
            outcome = check("http", conf)
        finally:
            server.stop()
        assert outcome.message == "JSON path data.state did not match"

    def test_a_banner_is_not_repeated(self):
        server = ScriptedServer(greeting=f"SSH-2.0-{SECRET}\r\n".encode(), close=True)
        try:
            outcome = check("http", {"url": f"http://127.0.0.1:{server.port}/"})
        finally:
            server.stop()
        assert outcome.status == CheckStatus.DOWN
        assert SECRET not in outcome.message
        assert outcome.message == "bad answer: not an HTTP/1.x answer"

    @pytest.mark.parametrize(
        "replies",
        [
            [f"-{SECRET} is the password\r\n".encode()],
            [f"+{SECRET}\r\n".encode()],
            [b"+PONG\r\n", f"$24\r\nused_memory:{SECRET}\r\n".encode()],
            [b"+PONG\r\n", b"$99999999999\r\n"],
            [f"*{SECRET}\r\n".encode()],
        ],
    )
    def test_a_redis_reply_is_not_repeated(self, replies):
        server = ScriptedServer(replies=replies)
        try:
            outcome = check("redis", {"host": "127.0.0.1", "port": server.port})
        finally:
            server.stop()
        assert outcome.status == CheckStatus.DOWN
        assert SECRET not in outcome.message
        assert "99999999999" not in outcome.message

    def test_dns_answers_are_not_repeated(self):
        responder = DnsResponder({("vault.internal.test", 1): [bytes([10, 9, 8, 7])]})
        try:
            conf = {"name": "vault.internal.test", "port": responder.port}
            up = check("dns", conf)
            wrong = check("dns", {**conf, "expected": "10.0.0.1"})
        finally:
            responder.stop()
        assert up.status == CheckStatus.UP and wrong.status == CheckStatus.DOWN
        for outcome in (up, wrong):
            assert "10.9.8.7" not in outcome.message
            assert "10.9.8.7" not in json.dumps(outcome.metrics)

    def test_a_postgres_servers_error_text_is_not_repeated(self):
        error = b"SFATAL\0VFATAL\0C28000\0M" + SECRET.encode() + b"\0\0"
        server = ScriptedServer(replies=[b"E" + struct.pack("!I", len(error) + 4) + error])
        try:
            conf = {"dsn": f"host=127.0.0.1 port={server.port} user=x sslmode=disable "
                           "gssencmode=disable dbname=x"}  # fmt: skip
            outcome = check("postgres", conf)
        finally:
            server.stop()
        assert outcome.status == CheckStatus.DOWN
        assert SECRET not in outcome.message
        assert outcome.message.startswith("cannot connect: ")


class TestUnboundedReads:
    """Answers that never end or claim to be enormous, to exhaust the checker's or the
    worker's memory or hold a slot until the timeout."""

    def test_one_huge_chunk_is_read_only_up_to_the_cap(self):
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n"
        server = ScriptedServer(replies=[head + b"x" * 300_000])
        try:
            url = f"http://127.0.0.1:{server.port}/"
            answer = asyncio.run(fetch(url, max_bytes=100_000, timeout=3))
        finally:
            server.stop()
        assert (len(answer.body), answer.truncated) == (100_000, True)

    def test_endless_headers_are_cut(self):
        head = b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"y" * 60_000 + b"\r\n"
        server = ScriptedServer(replies=[head + (b"X-More: " + b"z" * 60_000 + b"\r\n") * 150])
        try:
            with pytest.raises(OutboundError, match="headers too large"):
                asyncio.run(fetch(f"http://127.0.0.1:{server.port}/", timeout=3))
        finally:
            server.stop()

    @pytest.mark.django_db
    def test_a_webhook_receivers_endless_answer_is_cut(self):
        recorder = Recorder()
        policy = netguard.Policy()
        try:
            with HttpPump(concurrency=2, timeout=3, policy=policy, operator_policy=policy) as pump:
                request = HttpRequest(1, recorder.url + "/endless", b"{}")
                outcome = pump.submit(request).result(10)
        finally:
            recorder.stop()
        assert outcome.error.startswith("HTTP 500: xxx")
        assert len(outcome.error) < 300

    @pytest.mark.django_db
    def test_a_huge_markdown_preview_is_refused_and_not_cached(self):
        scene = Scene.build()
        before = markdown._render.cache_info().currsize
        response = scene.client("responder").post(
            reverse("console:preview"),
            {"preview_field": "body", "body": "*x* " * (MAX_BODY_CHARS // 4 + 1)},
        )
        assert response.status_code == 200
        assert "longer than" in response.content.decode()
        assert "<em>" not in response.content.decode()
        assert markdown._render.cache_info().currsize == before


class TestHeaderInjection:
    """An HTTP monitor header with a CR or LF in its value, to smuggle a second header
    (or a second request) to the target."""

    pytestmark = pytest.mark.django_db

    @pytest.mark.parametrize(
        "headers",
        [
            {"X-A": "ok\r\nX-Injected: yes"},
            {"X-A": "ok\rX-Injected: yes"},
            {"X-A": "ok\nX-Injected: yes"},
            {"X-A\r\nX-Injected": "yes"},
            {"Bad Name": "x"},
        ],
    )
    def test_the_api_refuses_it(self, client, headers):
        body = {"name": "H", "kind": "http",
                "config": {"url": "http://127.0.0.1/", "headers": headers}}  # fmt: skip
        response = client.post(
            "/api/v1/monitors", json.dumps(body), content_type="application/json", **bearer()
        )
        assert response.status_code == 422, response.content
        assert "config.headers" in response.json()["errors"]
        assert not Monitor.objects.exists()

    @pytest.mark.parametrize("url", ["http://127.0.0.1/a b", "http://127.0.0.1/a\rX-Injected: 1"])
    def test_the_api_refuses_a_url_that_would_split_the_request_line(self, client, url):
        body = {"name": "U", "kind": "http", "config": {"url": url}}
        response = client.post(
            "/api/v1/monitors", json.dumps(body), content_type="application/json", **bearer()
        )
        assert response.status_code == 422, response.content
        assert "space or a control character" in response.json()["errors"]["config.url"]

    def test_a_redirect_location_cannot_split_the_request_line(self):
        head = (
            b"HTTP/1.1 302 Found\r\nLocation: /next\rX-Injected: yes\r\nContent-Length: 0\r\n\r\n"
        )
        server = ScriptedServer(replies=[head], close=True)
        try:
            with pytest.raises(OutboundError, match="space or a control character"):
                asyncio.run(fetch(f"http://127.0.0.1:{server.port}/", timeout=3))
        finally:
            server.stop()
        assert server.connections == 1

    def test_the_http_helper_refuses_it_before_connecting(self):
        recorder = Recorder()
        try:
            with pytest.raises(OutboundError, match="line break"):
                asyncio.run(fetch(recorder.url + "/", headers={"X-A": "ok\rX-Injected: yes"}))
        finally:
            recorder.stop()
        assert recorder.requests == []


class TestCredentialsFollowARedirect:
    """A target that redirects to a host the attacker runs, to collect the monitor's
    Authorization header or API key."""

    def test_they_are_not_sent_to_another_origin(self):
        first, second = Recorder(), Recorder()
        try:
            conf = {
                "url": f"{first.url}/go?to={second.url}/collect",
                "headers": {"Authorization": "Bearer " + SECRET, "X-Api-Key": SECRET},
            }
            outcome = check("http", conf)
        finally:
            first.stop()
            second.stop()
        assert outcome.status == CheckStatus.UP
        assert first.requests[0][1]["Authorization"] == "Bearer " + SECRET
        [(path, headers)] = second.requests
        assert path == "/collect"
        assert SECRET not in json.dumps(headers)

    def test_they_follow_a_redirect_within_the_origin(self):
        server = Recorder()
        try:
            conf = {"url": f"{server.url}/go?to=/landing", "headers": {"X-Api-Key": SECRET}}
            check("http", conf)
        finally:
            server.stop()
        assert [h.get("X-Api-Key") for _, h in server.requests] == [SECRET, SECRET]


class TestWebhooksIntoTheMetadataService:
    """A public subscriber's or an operator's webhook aimed at the metadata service,
    even where private targets are allowed."""

    pytestmark = pytest.mark.django_db

    @pytest.mark.parametrize("address", ["169.254.169.254", "[fd00:ec2::254]", "2852039166"])
    def test_a_subscriber_cannot_subscribe_it(self, settings, address):
        settings.NOTIFY_ALLOW_PRIVATE = True
        with pytest.raises(ValidationError, match="cloud metadata address"):
            subscribe_webhook(make_page(), f"http://{address}/latest/meta-data/", actor=SYSTEM)

    def test_an_operator_channel_is_refused_at_send_time(self, monkeypatch):
        stand_in_dns(monkeypatch, {"hooks.attacker.test": "169.254.169.254"})
        with HttpPump(
            concurrency=2,
            timeout=2,
            policy=netguard.Policy(block_private=True),
            operator_policy=netguard.Policy(),
        ) as pump:
            requests = [
                HttpRequest(1, "http://hooks.attacker.test/x", b"{}", allow_private=True),
                HttpRequest(2, "http://169.254.169.254/x", b"{}", allow_private=True),
            ]
            futures = [pump.submit(r) for r in requests]
            outcomes = [f.result(10) for f in concurrent.futures.as_completed(futures)]
        assert all(o.permanent and "cloud metadata" in o.error for o in outcomes), outcomes


class TestStatuspageImportFromTheInside:
    """``aviso import statuspage --from URL`` aimed at the metadata service, directly or
    through a redirect."""

    pytestmark = pytest.mark.django_db

    def test_a_name_resolving_to_metadata_is_refused(self, monkeypatch):
        stand_in_dns(monkeypatch, {"status.attacker.test": "169.254.169.254"})
        with pytest.raises(StatuspageError, match="cloud metadata address"):
            import_statuspage("http://status.attacker.test/")

    def test_a_redirect_to_metadata_is_refused(self):
        server = Recorder()
        try:
            with pytest.raises(StatuspageError, match="cloud metadata address"):
                import_statuspage(f"{server.url}/go?to=http://169.254.169.254/&x=")
        finally:
            server.stop()

    def test_a_private_address_is_refused_with_blocking_on(self, settings):
        settings.OUTBOUND_BLOCK_PRIVATE = True
        server = Recorder()
        try:
            with pytest.raises(StatuspageError, match="private, loopback"):
                import_statuspage(server.url + "/")
        finally:
            server.stop()
        assert server.requests == []


class TestSmtpManInTheMiddle:
    """Something between Aviso and its SMTP server presents its own certificate, to read
    every subscriber's mail and the SMTP password: STARTTLS and SMTPS accepted any."""

    pytestmark = pytest.mark.django_db

    @pytest.fixture(params=["starttls", "smtps"])
    def tls_sink(self, request, settings, tmp_path):
        ca_file, context = ca_and_server_cert(tmp_path)
        implicit = request.param == "smtps"
        sink = SmtpSink(tls=context, implicit_tls=implicit).up()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = implicit, not implicit
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_TIMEOUT = 5
        settings.BASE_URL = "https://status.example.com"
        yield sink, ca_file
        sink.down()
        sink.sock.close()

    @staticmethod
    def _announce() -> None:
        page = make_page()
        add_confirmed(page, "email", "reader@example.org", actor=SYSTEM)
        api = make_component(page, "API")
        lifecycle.create_incident(
            page, actor=SYSTEM, name="Down", body="Looking.", components={api: "major_outage"}
        )
        drain(now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))

    def test_an_unknown_certificate_is_refused_by_default(self, tls_sink):
        sink, _ = tls_sink
        self._announce()
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.PENDING  # kept for a retry, not lost
        assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
        assert len(sink) == 0

    def test_the_opt_out_accepts_it(self, tls_sink, settings):
        sink, _ = tls_sink
        settings.EMAIL_TLS_VERIFY = False
        self._announce()
        assert Delivery.objects.get().state == DeliveryState.SENT
        assert len(sink) == 1

    def test_a_trusted_ca_is_accepted(self, tls_sink, monkeypatch):
        sink, ca_file = tls_sink
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        self._announce()
        assert Delivery.objects.get().state == DeliveryState.SENT
        assert len(sink) == 1
