"""The base every monitor kind's settings model shares (see ``configs``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from aviso.lib.http import url_problem
from aviso.lib.sealed import SecretFields

Endpoint = tuple[str, str, int]  # (config field, host, port)


class _Conf(SecretFields, BaseModel):
    model_config = ConfigDict(extra="forbid")

    def endpoints(self) -> list[Endpoint]:
        raise NotImplementedError(f"{type(self).__name__} must list the hosts it connects to")


class HostPortConf(_Conf):
    """A network kind: ``host`` and ``port`` (each kind sets its protocol's default port)."""

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(ge=1, le=65535)
    degraded_latency_ms: int | None = Field(default=None, gt=0)

    def endpoints(self) -> list[Endpoint]:
        return [("host", self.host, self.port)]


def ordered(*pairs: tuple[str, float | None, float | None]) -> None:
    """ValueError when a pair's critical threshold is below its warn threshold."""
    for name, warn, critical in pairs:
        if warn is not None and critical is not None and critical < warn:
            raise ValueError(f"{name}: the critical threshold is below the warn threshold")


__all__ = ["Endpoint", "HostPortConf", "_Conf", "ordered"]


def checked_url(value: str, schemes: tuple[str, ...]) -> str:
    """``value`` when it is a URL of one of ``schemes`` with a host and a valid port.

    One check for every kind that takes a URL (HTTP, WebSocket, browser); raises
    ValueError with the sentence the API and the console show.
    """
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        named = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValueError(f"must be a{'n' if named[0] in 'aeiouh' else ''} {named} URL with a host")
    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    try:
        _ = parts.port  # urlsplit checks the port only when asked
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    return value
