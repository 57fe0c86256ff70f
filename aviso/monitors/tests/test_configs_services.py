"""The service kinds' settings through the lifecycle and the API: passwords sealed at
rest, bad settings refused with 422 naming the field, defaults per protocol."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from aviso.api.models import ApiToken
from aviso.lib.sealed import REDACTED, is_sealed
from aviso.monitors import lifecycle
from aviso.monitors.configs import parse_config
from aviso.monitors.models import Monitor
from aviso.testing import SYSTEM, make_person

pytestmark = pytest.mark.django_db
PASSWORD = "hunter2-in-the-row"
WITH_PASSWORD = {
    "mysql": {"host": "127.0.0.1", "username": "monitor", "password": PASSWORD},
    "smtp": {"host": "127.0.0.1", "username": "monitor", "password": PASSWORD},
    "mqtt": {"host": "127.0.0.1", "username": "monitor", "password": PASSWORD},
    "amqp": {"host": "127.0.0.1", "username": "monitor", "password": PASSWORD},
    "nats": {"host": "127.0.0.1", "username": "monitor", "password": PASSWORD},
}
# One bad setting per kind and the field the refusal must name.
BAD = {
    "mysql": ({"host": "db"}, "config.username"),
    "smtp": ({"host": "mx", "tls": "maybe"}, "config.tls"),
    "websocket": ({"url": "https://example.test/"}, "config.url"),
    "mqtt": ({"host": "b", "topic": "a/+"}, "config.topic"),
    "amqp": ({"host": "mq", "queue_depth_warn": 5}, "config"),
    "nats": ({"host": "n", "port": "four"}, "config.port"),
    "grpc": ({"host": ""}, "config.host"),
    "ping": ({"host": "h", "count": 99}, "config.count"),
}
DEFAULT_PORTS = {"mysql": 3306, "smtp": 25, "mqtt": 1883, "amqp": 5672, "nats": 4222,
                 "grpc": 50051}  # fmt: skip


def bearer() -> dict:
    _, raw = ApiToken.issue(make_person("bot", "responder"), name="bot", scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def stored_config() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM monitors_monitor")
        return "\n".join(str(row[0]) for row in cursor.fetchall())


class TestServicePasswordsAtRest:
    @pytest.mark.parametrize("kind", sorted(WITH_PASSWORD))
    def test_the_password_is_sealed_and_opened_for_the_probe(self, kind):
        monitor = lifecycle.create_monitor(
            actor=SYSTEM, name=kind, kind=kind, config=WITH_PASSWORD[kind]
        )
        assert PASSWORD not in stored_config()
        assert is_sealed(Monitor.objects.get(pk=monitor.pk).config["password"])
        assert monitor.typed_config.password == PASSWORD

    @pytest.mark.parametrize("kind", sorted(WITH_PASSWORD))
    def test_the_api_shows_it_as_sealed(self, client, kind):
        body = {"name": kind, "kind": kind, "config": WITH_PASSWORD[kind]}
        made = client.post("/api/v1/monitors", json.dumps(body),
                           content_type="application/json", **bearer())  # fmt: skip
        assert made.status_code == 201, made.content
        assert made.json()["config"]["password"] == REDACTED
        assert PASSWORD not in made.content.decode()


class TestServiceSettingsRefused:
    @pytest.mark.parametrize("kind", sorted(BAD))
    def test_the_api_answers_422_naming_the_field(self, client, kind):
        config, field = BAD[kind]
        body = {"name": kind, "kind": kind, "config": config}
        response = client.post("/api/v1/monitors", json.dumps(body),
                               content_type="application/json", **bearer())  # fmt: skip
        assert response.status_code == 422, response.content
        assert field in response.json()["errors"], response.json()
        assert not Monitor.objects.exists()


class TestProtocolDefaults:
    @pytest.mark.parametrize("kind", sorted(DEFAULT_PORTS))
    def test_the_port_defaults_to_the_protocols(self, kind):
        config = {"host": "svc.test", **({"username": "u"} if kind == "mysql" else {})}
        assert parse_config(kind, config).endpoints() == [("host", "svc.test",
                                                           DEFAULT_PORTS[kind])]  # fmt: skip

    def test_websocket_and_ping_endpoints(self):
        assert parse_config("websocket", {"url": "wss://ws.test/feed"}).endpoints() == [
            ("url", "ws.test", 443)
        ]
        assert parse_config("ping", {"host": "ws.test"}).endpoints() == [("host", "ws.test", 0)]
