"""The one outbound HTTP helper: probes use it today, webhooks tomorrow.

Every request has a total timeout (redirects included), a cap on the body read
and on redirects, and, when ``block_private`` is on, refuses to reach
loopback, private, link-local and other non-global addresses: both names that
resolve there and literal addresses, checked again on every redirect hop (an
open redirect to 169.254.169.254 is the classic way around a check made only
on the first URL). The connection goes to the address that was checked, so a
second DNS answer cannot swap it.

It speaks plain HTTP/1.1 over asyncio streams, one fresh connection per
request (``Connection: close``), rather than through aiohttp's client: a probe
needs one request and its answer, and aiohttp's client machinery (sessions,
connector pools, tracing, cookie jars) was the checker's main cost. Measured
in the checker benchmark (bench/RESULTS.md): CPU per check at 10,000
monitors 0.76 -> 0.58 ms (SQLite) and 0.79 -> 0.48 ms (PostgreSQL); at 50,000
monitors on SQLite one checker went from falling behind (about 380 checks/s)
to keeping up (1,647 of 1,667 checks/s). No compression is asked for, so
bodies arrive as sent. Framework-free: callers pass the switches
(monitors read ``settings.OUTBOUND_BLOCK_PRIVATE``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urljoin, urlsplit

from multidict import CIMultiDict

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 1_000_000
MAX_HEADER_LINES = 200
USER_AGENT = "Aviso-Monitor/0.1"


class OutboundError(Exception):
    """A request that could not be made or completed; ``str()`` says why, briefly."""


class BlockedAddressError(OutboundError):
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


@cache
def tls_context(verify: bool) -> ssl.SSLContext:
    """Built once per process: loading the CA store costs milliseconds."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Response:
    status: int
    url: str
    body: bytes
    elapsed_ms: float
    headers: CIMultiDict = field(default_factory=CIMultiDict)
    redirects: int = 0
    truncated: bool = False

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


async def fetch(
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
    if isinstance(body, str):
        body = body.encode()
    redirects = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                status, answer_headers, data, truncated = await _exchange(
                    url, method, headers or {}, body, max_bytes, verify_tls, block_private
                )
                location = answer_headers.get("Location")
                if follow_redirects and status in REDIRECT_CODES and location:
                    if redirects >= max_redirects:
                        raise OutboundError(f"more than {max_redirects} redirects")
                    redirects += 1
                    url = urljoin(url, location)
                    if status == 303 or (status in (301, 302) and method == "POST"):
                        method, body = "GET", None
                    continue
                return Response(
                    status=status,
                    url=url,
                    body=data,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                    headers=answer_headers,
                    redirects=redirects,
                    truncated=truncated,
                )
    except TimeoutError:
        raise OutboundError(f"timed out after {timeout:g} s") from None
    except OutboundError:
        raise
    except ssl.SSLCertVerificationError as error:
        raise OutboundError(f"TLS certificate error: {error.verify_message}") from None
    except ssl.SSLError as error:
        raise OutboundError(f"TLS error: {error.reason or error}") from None
    except (ConnectionError, socket.gaierror) as error:
        raise OutboundError(f"cannot connect: {error.strerror or error}") from None
    except OSError as error:
        raise OutboundError(f"cannot connect: {error.strerror or error}") from None
    except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        raise OutboundError(f"bad answer: {type(error).__name__}: {error}") from None


async def _address(host: str, port: int, block_private: bool) -> str:
    """Where to connect: the host itself, or (blocking on) its first public address."""
    literal = _literal_ip(host)
    if not block_private:
        return literal or host
    if literal:
        if is_blocked_ip(literal):
            raise BlockedAddressError(f"{host} is not a public address")
        return literal
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        if not is_blocked_ip(sockaddr[0]):
            return sockaddr[0]
    raise BlockedAddressError(f"{host} resolves only to non-public addresses")


async def _exchange(url, method, headers, body, max_bytes, verify_tls, block_private):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url[:100]}")
    secure = parts.scheme == "https"
    host = parts.hostname
    port = parts.port or (443 if secure else 80)
    address = await _address(host, port, block_private)
    reader, writer = await asyncio.open_connection(
        address,
        port,
        ssl=tls_context(verify_tls) if secure else None,
        server_hostname=host if secure else None,
        limit=2**16,
    )
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = port == (443 if secure else 80)
        host_header = host if ":" not in host else f"[{host}]"
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {host_header}" + ("" if default_port else f":{port}"),
            f"User-Agent: {USER_AGENT}",
            "Accept: */*",
            "Connection: close",
        ]
        given = {name.lower() for name in headers}
        lines += [f"{name}: {value}" for name, value in headers.items() if "\n" not in name + value]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            if "content-length" not in given:
                lines.append(f"Content-Length: {len(body or b'')}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        status_line = (await reader.readline()).decode("latin-1").strip()
        if not status_line.startswith("HTTP/"):
            raise ValueError(f"not an HTTP answer: {status_line[:60]!r}")
        status = int(status_line.split(" ", 2)[1])
        answer_headers: CIMultiDict = CIMultiDict()
        for _ in range(MAX_HEADER_LINES):
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers.add(name.strip(), value.strip())
        else:
            raise ValueError("too many header lines")
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return status, answer_headers, b"", False
        data = await _read_body(reader, answer_headers, max_bytes)
        return status, answer_headers, data[:max_bytes], len(data) > max_bytes
    finally:
        writer.close()


async def _read_body(reader: asyncio.StreamReader, headers: CIMultiDict, max_bytes: int) -> bytes:
    """Up to ``max_bytes + 1`` bytes of the body (one more tells it was truncated)."""
    limit = max_bytes + 1
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        chunks, size = [], 0
        while size < limit:
            size_line = await reader.readline()
            length = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if length == 0:
                break
            chunk = await reader.readexactly(length)
            await reader.readline()  # the CRLF after each chunk
            chunks.append(chunk)
            size += length
        return b"".join(chunks)
    declared = headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit():
        wanted = min(int(declared), limit)
        return await reader.readexactly(wanted)
    chunks, size = [], 0
    while size < limit:
        chunk = await reader.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
