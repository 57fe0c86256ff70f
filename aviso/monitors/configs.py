"""One pydantic model per monitor kind: the typed shape of ``Monitor.config``.

A bad configuration is refused with a message per field (``config.<field>``),
the same from the console form, the API and ``lifecycle``.

Each model lists the hosts its probe connects to (``endpoints()``: field, host,
port); ``lifecycle`` checks the literal addresses among them against the
address guard before a monitor is saved, and a kind that connects nowhere
says so with an empty list. A new kind must define it.

Each model also says where its credentials are (``secret_fields``, or
``secret_paths`` for headers): they are stored sealed, opened only for the
probe (``open_config``) and shown as ``[sealed]`` everywhere else
(``shown_config``).
"""

from __future__ import annotations

import base64
import re
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator

from aviso.lib.http import header_problem
from aviso.lib.sealed import Path, redact_paths, unseal_paths
from aviso.monitors.choices import MonitorKind
from aviso.monitors.conf_base import Endpoint, _Conf, checked_url
from aviso.monitors.configs_services import SERVICE_CONFS
from aviso.status.sealing import keyring

# Request headers whose values are credentials (Authorization, Cookie, X-Api-Key, ...).
SECRET_HEADER = re.compile(r"auth|token|secret|key|cookie|pass|session|signature", re.I)


def client_pem_problem(cert_pem: str, key_pem: str) -> str | None:
    """What is wrong with a client certificate and key, in words that quote neither."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except ValueError:
        return "client_cert_pem is not a PEM certificate"
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        return "client_key_pem is not an unencrypted PEM private key"
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        return "the client key does not match the client certificate"
    return None


class HttpConf(_Conf):
    url: str
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str = ""
    expected_status: list[int] = Field(default_factory=lambda: list(range(200, 300)))
    keyword: str = ""
    keyword_absent: bool = False  # True: the keyword must NOT appear in the body
    json_path: str = ""  # dotted path, list indexes as numbers: "data.items.0.state"
    json_equals: str | int | float | bool | None = None
    degraded_latency_ms: int | None = Field(default=None, gt=0)
    follow_redirects: bool = True
    max_redirects: int = Field(default=5, ge=0, le=20)
    verify_tls: bool = True
    # Credentials sent as the Authorization header, to the URL's origin only.
    auth: Literal["none", "basic", "bearer"] = "none"
    username: str = Field(default="", max_length=256)
    password: str = Field(default="", max_length=1024)
    token: str = Field(default="", max_length=8192)
    # A client certificate (PEM) presented to the URL's origin, with its key (sealed).
    client_cert_pem: str = Field(default="", max_length=32768)
    client_key_pem: str = Field(default="", max_length=32768)

    # "" follows HTTPS_PROXY / HTTP_PROXY / NO_PROXY; "direct" never; or http://host:port.
    proxy: str = Field(default="", max_length=2048)

    secret_fields: ClassVar[tuple[str, ...]] = ("password", "token", "client_key_pem")

    @classmethod
    def secret_paths(cls, data: dict) -> list[Path]:
        paths = super().secret_paths(data)
        headers = data.get("headers")
        if not isinstance(headers, dict):
            return paths
        return paths + [("headers", name) for name in headers if SECRET_HEADER.search(str(name))]

    @model_validator(mode="after")
    def _auth(self) -> HttpConf:
        if self.auth == "basic" and not self.username:
            raise ValueError("basic auth needs a username")
        if self.auth == "basic" and ":" in self.username:
            raise ValueError("a basic auth username cannot hold a colon")
        if self.auth == "bearer" and not self.token:
            raise ValueError("bearer auth needs a token")
        if self.auth == "bearer" and header_problem("Authorization", self.token):
            raise ValueError("the token cannot hold control characters")
        if self.auth != "none" and any(k.lower() == "authorization" for k in self.headers):
            raise ValueError("set auth or an Authorization header, not both")
        if bool(self.client_cert_pem) != bool(self.client_key_pem):
            raise ValueError("a client certificate needs its key, and a key its certificate")
        if self.client_cert_pem:
            pem_problem = client_pem_problem(self.client_cert_pem, self.client_key_pem)
            if pem_problem:
                raise ValueError(pem_problem)
        return self

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str) -> str:
        if value in ("", "direct"):
            return value
        parts = urlsplit(value)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError('must be "", "direct" or an http://host:port URL')
        if parts.username or parts.password:
            raise ValueError("proxy credentials are not supported")
        if parts.path not in ("", "/") or parts.query:
            raise ValueError("a proxy URL has no path")
        try:
            _ = parts.port
        except ValueError:
            raise ValueError("the port must be a number from 1 to 65535") from None
        return value

    def client_cert(self) -> tuple[str, str] | None:
        return (self.client_cert_pem, self.client_key_pem) if self.client_cert_pem else None

    def authorization(self) -> dict[str, str]:
        """The Authorization header the settings ask for (none when ``auth`` is "none")."""
        if self.auth == "basic":
            pair = f"{self.username}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if self.auth == "bearer":
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return checked_url(value, ("http", "https"))

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            problem = header_problem(name, text)
            if problem:
                raise ValueError(problem)
        return value

    def endpoints(self) -> list[Endpoint]:
        parts = urlsplit(self.url)
        found = [("url", parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))]
        if self.proxy not in ("", "direct"):
            proxy = urlsplit(self.proxy)
            found.append(("proxy", proxy.hostname, proxy.port or 8080))
        return found

    @field_validator("expected_status")
    @classmethod
    def _codes(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("list at least one status code")
        bad = [code for code in value if not 100 <= code <= 599]
        if bad:
            raise ValueError(f"not HTTP status codes: {bad}")
        return value

    @model_validator(mode="after")
    def _json_pair(self) -> HttpConf:
        if self.json_equals is not None and not self.json_path:
            raise ValueError("json_equals needs a json_path")
        return self


class TlsConf(_Conf):
    host: str = Field(min_length=1)
    port: int = Field(default=443, ge=1, le=65535)
    server_name: str = ""  # SNI; defaults to host
    verify: bool = True
    warn_days: int = Field(default=21, ge=0)
    critical_days: int = Field(default=7, ge=0)

    def endpoints(self) -> list[Endpoint]:
        return [("host", self.host, self.port)]

    @model_validator(mode="after")
    def _order(self) -> TlsConf:
        if self.critical_days > self.warn_days:
            raise ValueError("critical_days must not exceed warn_days")
        return self


class TcpConf(_Conf):
    host: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    degraded_latency_ms: int | None = Field(default=None, gt=0)

    def endpoints(self) -> list[Endpoint]:
        return [("host", self.host, self.port)]


class DnsConf(_Conf):
    name: str = Field(min_length=1, max_length=253)
    record_type: Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SRV", "SOA", "CAA", "PTR"] = "A"
    server: str = "127.0.0.1"
    port: int = Field(default=53, ge=1, le=65535)
    # "auto": UDP, then TCP when the answer is truncated; "udp" or "tcp" only.
    transport: Literal["auto", "udp", "tcp"] = "auto"
    expected: str = ""  # when set, one answer must equal it

    def endpoints(self) -> list[Endpoint]:
        return [("server", self.server, self.port)]


class HeartbeatConf(_Conf):
    period_seconds: int = Field(default=3600, ge=10)
    grace_seconds: int = Field(default=300, ge=0)
    # What a /fail ping means, for the operators (an alert route: "an alert fires").
    fail_message: str = Field(default="", max_length=200)

    def endpoints(self) -> list[Endpoint]:
        return []  # pushed to: connects nowhere


class PostgresConf(_Conf):
    secret_fields: ClassVar[tuple[str, ...]] = ("dsn",)
    dsn: str = Field(min_length=1)  # libpq URL or key=value string
    connections_warn: float = Field(default=0.7, gt=0, le=1)
    connections_critical: float = Field(default=0.9, gt=0, le=1)
    longest_query_warn_s: float = Field(default=60, gt=0)
    longest_query_critical_s: float = Field(default=300, gt=0)
    idle_in_transaction_warn: int = Field(default=5, ge=0)
    idle_in_transaction_critical: int = Field(default=20, ge=0)
    waiting_on_locks_warn: int = Field(default=5, ge=0)
    waiting_on_locks_critical: int = Field(default=20, ge=0)
    # Degraded when the recent trend reaches max_connections within this time.
    exhaustion_warn_s: float = Field(default=900, gt=0)
    trend_window_s: float = Field(default=900, gt=0)

    def endpoints(self) -> list[Endpoint]:
        from aviso.monitors.probes.postgres import endpoints

        return [("dsn", host, port) for host, port in endpoints(self.dsn)]

    @model_validator(mode="after")
    def _order(self) -> PostgresConf:
        pairs = [
            ("connections", self.connections_warn, self.connections_critical),
            ("longest_query", self.longest_query_warn_s, self.longest_query_critical_s),
            (
                "idle_in_transaction",
                self.idle_in_transaction_warn,
                self.idle_in_transaction_critical,
            ),
            ("waiting_on_locks", self.waiting_on_locks_warn, self.waiting_on_locks_critical),
        ]
        for name, warn, critical in pairs:
            if critical < warn:
                raise ValueError(f"{name}: the critical threshold is below the warn threshold")
        return self


class RedisConf(_Conf):
    secret_fields: ClassVar[tuple[str, ...]] = ("password",)
    host: str = Field(min_length=1)
    port: int = Field(default=6379, ge=1, le=65535)
    password: str = ""
    degraded_latency_ms: int | None = Field(default=None, gt=0)
    memory_warn: float = Field(default=0.8, gt=0, le=1)  # of maxmemory, when one is set
    memory_critical: float = Field(default=0.95, gt=0, le=1)

    def endpoints(self) -> list[Endpoint]:
        return [("host", self.host, self.port)]


CONF_BY_KIND: dict[str, type[_Conf]] = {
    MonitorKind.HTTP: HttpConf,
    MonitorKind.TLS: TlsConf,
    MonitorKind.TCP: TcpConf,
    MonitorKind.DNS: DnsConf,
    MonitorKind.HEARTBEAT: HeartbeatConf,
    MonitorKind.POSTGRES: PostgresConf,
    MonitorKind.REDIS: RedisConf,
    **SERVICE_CONFS,
}


class ConfigError(ValueError):
    """A bad configuration: ``errors`` maps ``config.<field>`` to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def field_errors(error: ValidationError, prefix: str = "config") -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        key = f"{prefix}.{where}" if where else prefix
        message = item["msg"].removeprefix("Value error, ")
        errors.setdefault(key, message)
    return errors


def parse_config(kind: str, data: object) -> _Conf:
    """The typed configuration for ``kind``, or ``ConfigError`` naming each bad field."""
    conf_class = CONF_BY_KIND.get(kind)
    if conf_class is None:
        raise ConfigError({"kind": f"unknown kind {kind!r}"})
    if not isinstance(data, dict):
        raise ConfigError({"config": "must be an object"})
    try:
        return conf_class.model_validate(data)
    except ValidationError as error:
        raise ConfigError(field_errors(error)) from None


def secret_paths(kind: str, data: object) -> list[Path]:
    """Where ``data`` (a ``kind`` monitor's settings) holds credentials."""
    conf_class = CONF_BY_KIND.get(kind)
    if conf_class is None or not isinstance(data, dict):
        return []
    return conf_class.secret_paths(data)


def plain_config(kind: str, stored: dict) -> dict:
    """The stored settings with their secrets opened (never shown, only used)."""
    return unseal_paths(keyring(), stored, secret_paths(kind, stored))


def open_config(kind: str, stored: object) -> _Conf:
    """The typed settings a probe runs with: secrets opened, then validated."""
    if isinstance(stored, dict):
        stored = plain_config(kind, stored)
    return parse_config(kind, stored)


def shown_config(kind: str, stored: dict, before: dict | None = None) -> dict:
    """The settings as the console, the API and the audit log show them."""
    return redact_paths(stored, secret_paths(kind, stored), before)
