"""The one outbound HTTP helper: probes use it today, webhooks tomorrow.

Every request has a total timeout, a cap on the body read and on redirects,
and, when ``block_private`` is on, refuses to reach loopback, private,
link-local and other non-global addresses: both names that resolve there and
literal addresses, checked again on every redirect hop (an open redirect to
169.254.169.254 is the classic way around a check made only on the first URL).
Framework-free: callers pass the switch (monitors read
``settings.OUTBOUND_BLOCK_PRIVATE``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from multidict import CIMultiDict, CIMultiDictProxy

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 1_000_000
USER_AGENT = "Aviso-Monitor/0.1"


class OutboundError(Exception):
    """A request that could not be made or completed; ``str()`` says why, briefly."""


class BlockedAddressError(OutboundError, OSError):
    pass


def is_blocked_ip(address: str) -> bool:
    """True for any address that is not globally routable (loopback, RFC 1918, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _literal_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class GuardedResolver(AbstractResolver):
    """Resolves through aiohttp's resolver, then drops addresses that are not global."""

    def __init__(self) -> None:
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if not is_blocked_ip(r["host"])]
        if not allowed:
            raise BlockedAddressError(f"{host} resolves only to non-public addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def make_session(
    *,
    block_private: bool,
    fresh_connections: bool = True,
    limit: int = 0,
) -> aiohttp.ClientSession:
    """A session for many concurrent outbound requests.

    ``fresh_connections``: a probe measures connect + TLS + answer each time, as a
    user's first request would; webhooks may prefer keep-alive.
    ``limit``: 0 means no connection cap (each caller bounds its own concurrency).
    """
    connector = aiohttp.TCPConnector(
        limit=limit,
        limit_per_host=0,
        force_close=fresh_connections,
        resolver=GuardedResolver() if block_private else None,
        ttl_dns_cache=60,
    )
    return aiohttp.ClientSession(
        connector=connector,
        # fetch() bounds each whole request itself; no second set of timers here.
        timeout=aiohttp.ClientTimeout(total=None),
        headers={"User-Agent": USER_AGENT},
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=True,
    )


@dataclass
class Response:
    status: int
    url: str
    body: bytes
    elapsed_ms: float
    headers: CIMultiDictProxy[str] = field(default_factory=lambda: CIMultiDictProxy(CIMultiDict()))
    redirects: int = 0
    truncated: bool = False

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_redirects: bool = True,
    max_redirects: int = 5,
    verify_tls: bool = True,
    block_private: bool = False,
) -> Response:
    """One request (and its redirects) within ``timeout`` seconds in total.

    Raises ``OutboundError`` with a short reason for anything but an HTTP answer.
    """
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            return await _follow(
                session, url, method, headers or {}, body, max_bytes,
                follow_redirects, max_redirects, verify_tls, block_private, started,
            )  # fmt: skip
    except TimeoutError:
        raise OutboundError(f"timed out after {timeout:g} s") from None
    except OutboundError:
        raise
    except aiohttp.ClientConnectorCertificateError as error:
        raise OutboundError(f"TLS certificate error: {error.certificate_error}") from None
    except aiohttp.ClientConnectorError as error:
        if isinstance(error.os_error, BlockedAddressError):
            raise OutboundError(str(error.os_error)) from None
        raise OutboundError(f"cannot connect: {error.os_error.strerror or error}") from None
    except aiohttp.ClientError as error:
        raise OutboundError(f"{type(error).__name__}: {error}") from None
    except (OSError, ValueError) as error:
        raise OutboundError(f"{type(error).__name__}: {error}") from None


async def _follow(
    session, url, method, headers, body, max_bytes,
    follow_redirects, max_redirects, verify_tls, block_private, started,
) -> Response:  # fmt: skip
    redirects = 0
    while True:
        host = urlsplit(url).hostname or ""
        literal = _literal_ip(host)
        if block_private and literal and is_blocked_ip(literal):
            raise BlockedAddressError(f"{host} is not a public address")
        async with session.request(
            method,
            url,
            headers=headers,
            data=body,
            allow_redirects=False,
            ssl=None if verify_tls else False,
        ) as answer:
            location = answer.headers.get("Location")
            if follow_redirects and answer.status in REDIRECT_CODES and location:
                if redirects >= max_redirects:
                    raise OutboundError(f"more than {max_redirects} redirects")
                redirects += 1
                url = urljoin(str(answer.url), location)
                if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                continue
            chunks, size = [], 0
            while size <= max_bytes:
                chunk = await answer.content.read(max_bytes + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
            return Response(
                status=answer.status,
                url=str(answer.url),
                body=data[:max_bytes],
                elapsed_ms=(time.perf_counter() - started) * 1000,
                headers=answer.headers,
                redirects=redirects,
                truncated=len(data) > max_bytes,
            )
