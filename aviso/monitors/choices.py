"""Kinds of monitor and the states a check and a monitor can be in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonitorKind(models.TextChoices):
    HTTP = "http", _("HTTP(S)")
    TLS = "tls", _("TLS certificate")
    TCP = "tcp", _("TCP connect")
    DNS = "dns", _("DNS")
    HEARTBEAT = "heartbeat", _("Heartbeat (push)")
    POSTGRES = "postgres", _("PostgreSQL")
    REDIS = "redis", _("Redis")
    MYSQL = "mysql", _("MySQL / MariaDB")
    SMTP = "smtp", _("SMTP")
    WEBSOCKET = "websocket", _("WebSocket")
    MQTT = "mqtt", _("MQTT")
    AMQP = "amqp", _("AMQP (RabbitMQ)")
    NATS = "nats", _("NATS")
    GRPC = "grpc", _("gRPC health")
    PING = "ping", _("Ping (ICMP)")
    BROWSER = "browser", _("Browser (Chromium)")


class CheckStatus(models.TextChoices):
    """One check's outcome, and also a monitor's confirmed state."""

    UP = "up", _("Up")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")

    @property
    def severity(self) -> int:
        return {"up": 0, "degraded": 1, "down": 2}[self.value]


class MonitorState(models.TextChoices):
    """What the console shows: a confirmed check status, or not known yet."""

    UNKNOWN = "unknown", _("Unknown")
    UP = "up", _("Up")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")


class PingKind(models.TextChoices):
    SUCCESS = "success", _("Success")
    START = "start", _("Start")
    FAIL = "fail", _("Fail")
