"""Outbound connections that cannot be turned against the host's own network (SSRF).

A public subscriber chooses where Aviso sends webhooks. Without a guard, a URL
such as ``http://169.254.169.254/`` or one whose host name resolves to
``10.0.0.1`` makes the worker probe the private network. The check runs on the
addresses DNS returns, at connect time, so a name that resolves differently
later (DNS rebinding) is caught too: ``GuardedResolver`` is what aiohttp
connects through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult


class BlockedAddress(ValueError):
    """The target is private, loopback, link-local or otherwise not public."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, int]:
    """Return (host, port) of an http(s) URL, or raise ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise ValueError("Only http:// and https:// addresses can receive webhooks.")
    if not parts.hostname:
        raise ValueError("The address has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValueError("The address has an invalid port.") from None
    return parts.hostname, port


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``socket.getaddrinfo``, so tests can stand in)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValueError(f"The host name {host} does not resolve ({exc.strerror}).") from None
    return [info[4][0] for info in infos]


def check_public(host: str, port: int) -> list[str]:
    """Resolve ``host`` and refuse it when any address is not public."""
    addresses = resolve(host, port)
    blocked = [a for a in addresses if not is_public(a)]
    if blocked:
        raise BlockedAddress(
            f"{host} resolves to {blocked[0]}, a private, loopback or link-local address."
        )
    return addresses


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that refuses non-public addresses unless ``allow_private``."""

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        loop = asyncio.get_running_loop()
        infos = await loop.run_in_executor(
            None, lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        )
        results: list[ResolveResult] = []
        for fam, _type, proto, _name, sockaddr in infos:
            address = sockaddr[0]
            if not self.allow_private and not is_public(address):
                raise BlockedAddress(
                    f"{host} resolves to {address}, a private, loopback or link-local address."
                )
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=sockaddr[1],
                    family=fam,
                    proto=proto,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        return None
