"""Settings of the service kinds: databases, brokers, mail, WebSocket, gRPC, ping.

Kept apart from ``configs`` (which maps every kind to its model) so neither
file passes a few hundred lines. Network kinds take ``host`` and ``port``
(defaulting to the protocol's port) like ``tcp``; ``password`` is sealed at
rest like the Redis one.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from aviso.monitors.choices import MonitorKind
from aviso.monitors.conf_base import Endpoint, HostPortConf, _Conf, checked_url, ordered
from aviso.monitors.configs_browser import BrowserConf

PASSWORD: tuple[str, ...] = ("password",)


class MysqlConf(HostPortConf):
    secret_fields: ClassVar[tuple[str, ...]] = PASSWORD
    port: int = Field(default=3306, ge=1, le=65535)
    username: str = Field(min_length=1, max_length=80)
    password: str = ""
    database: str = Field(default="", max_length=64)
    connections_warn: float = Field(default=0.7, gt=0, le=1)
    connections_critical: float = Field(default=0.9, gt=0, le=1)
    # Degraded when the recent trend reaches the connection limit within this time.
    exhaustion_warn_s: float = Field(default=900, gt=0)
    trend_window_s: float = Field(default=900, gt=0)

    @model_validator(mode="after")
    def _order(self) -> MysqlConf:
        ordered(("connections", self.connections_warn, self.connections_critical))
        return self


class SmtpConf(HostPortConf):
    secret_fields: ClassVar[tuple[str, ...]] = PASSWORD
    port: int = Field(default=25, ge=1, le=65535)
    # "starttls": upgrade after EHLO (port 25/587); "implicit": TLS from the start (465).
    tls: Literal["none", "starttls", "implicit"] = "none"
    verify_tls: bool = True
    warn_days: int = Field(default=21, ge=0)
    critical_days: int = Field(default=7, ge=0)
    username: str = Field(default="", max_length=254)
    password: str = ""

    @model_validator(mode="after")
    def _checks(self) -> SmtpConf:
        if self.critical_days > self.warn_days:
            raise ValueError("critical_days must not exceed warn_days")
        if self.password and not self.username:
            raise ValueError("a password needs a username")
        return self


class WebsocketConf(_Conf):
    url: str = Field(min_length=1)
    send: str = Field(default="", max_length=10_000)  # sent once connected
    expect: str = Field(default="", max_length=10_000)  # a reply must contain it
    verify_tls: bool = True
    degraded_latency_ms: int | None = Field(default=None, gt=0)

    @field_validator("url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        return checked_url(value, ("ws", "wss"))

    @model_validator(mode="after")
    def _pair(self) -> WebsocketConf:
        if self.expect and not self.send:
            raise ValueError("expect needs a message to send")
        return self

    def endpoints(self) -> list[Endpoint]:
        parts = urlsplit(self.url)
        return [("url", parts.hostname, parts.port or (443 if parts.scheme == "wss" else 80))]


class MqttConf(HostPortConf):
    secret_fields: ClassVar[tuple[str, ...]] = PASSWORD
    port: int = Field(default=1883, ge=1, le=65535)
    username: str = Field(default="", max_length=256)
    password: str = ""
    # When set: subscribe, publish a unique message, and wait for it to come back.
    topic: str = Field(default="", max_length=256)

    @field_validator("topic")
    @classmethod
    def _plain_topic(cls, value: str) -> str:
        if any(mark in value for mark in "+#\0"):
            raise ValueError("a topic to publish on cannot hold +, # or NUL")
        return value


class AmqpConf(HostPortConf):
    secret_fields: ClassVar[tuple[str, ...]] = PASSWORD
    port: int = Field(default=5672, ge=1, le=65535)
    username: str = Field(default="guest", min_length=1, max_length=256)
    password: str = ""
    vhost: str = Field(default="/", min_length=1, max_length=256)
    queue: str = Field(default="", max_length=255)  # when set, looked at (never declared)
    queue_depth_warn: int | None = Field(default=None, ge=0)
    queue_depth_critical: int | None = Field(default=None, ge=0)
    consumers_min: int | None = Field(default=None, ge=0)  # degraded below it

    @model_validator(mode="after")
    def _queue(self) -> AmqpConf:
        wants_queue = (self.queue_depth_warn, self.queue_depth_critical, self.consumers_min)
        if not self.queue and any(value is not None for value in wants_queue):
            raise ValueError("queue thresholds need a queue")
        ordered(("queue_depth", self.queue_depth_warn, self.queue_depth_critical))
        return self


class NatsConf(HostPortConf):
    secret_fields: ClassVar[tuple[str, ...]] = PASSWORD
    port: int = Field(default=4222, ge=1, le=65535)
    username: str = Field(default="", max_length=256)
    password: str = ""
    # When set: a request on this subject must be answered (any reply).
    subject: str = Field(default="", max_length=256)

    @field_validator("subject")
    @classmethod
    def _plain_subject(cls, value: str) -> str:
        if any(mark in value for mark in " \t\r\n*>"):
            raise ValueError("a subject to send to cannot hold spaces, * or >")
        return value

    @model_validator(mode="after")
    def _pair(self) -> NatsConf:
        if self.password and not self.username:
            raise ValueError("a password needs a username")
        return self


class GrpcConf(HostPortConf):
    port: int = Field(default=50051, ge=1, le=65535)
    service: str = Field(default="", max_length=256)  # "" asks about the whole server
    tls: bool = False  # verified against the system's roots (grpcio cannot skip the check)


class PingConf(_Conf):
    host: str = Field(min_length=1, max_length=253)
    count: int = Field(default=3, ge=1, le=20)
    interval_s: float = Field(default=0.2, ge=0.01, le=5)
    loss_warn: float = Field(default=0.2, gt=0, le=1)  # share of echoes lost
    loss_critical: float = Field(default=1.0, gt=0, le=1)
    rtt_warn_ms: float | None = Field(default=None, gt=0)  # average round trip
    rtt_critical_ms: float | None = Field(default=None, gt=0)

    def endpoints(self) -> list[Endpoint]:
        return [("host", self.host, 0)]

    @model_validator(mode="after")
    def _order(self) -> PingConf:
        ordered(
            ("loss", self.loss_warn, self.loss_critical),
            ("rtt", self.rtt_warn_ms, self.rtt_critical_ms),
        )
        return self


SERVICE_CONFS: dict[str, type[_Conf]] = {
    MonitorKind.MYSQL: MysqlConf,
    MonitorKind.SMTP: SmtpConf,
    MonitorKind.WEBSOCKET: WebsocketConf,
    MonitorKind.MQTT: MqttConf,
    MonitorKind.AMQP: AmqpConf,
    MonitorKind.NATS: NatsConf,
    MonitorKind.GRPC: GrpcConf,
    MonitorKind.PING: PingConf,
    MonitorKind.BROWSER: BrowserConf,
}
