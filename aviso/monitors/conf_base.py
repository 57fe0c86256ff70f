"""The base every monitor kind's settings model shares (see ``configs``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
