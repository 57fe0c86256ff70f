"""The one outbound HTTP helper: probes use it today, webhooks tomorrow.

Every request has a total timeout (redirects included), a cap on the body read
(a chunked body too, however large one chunk claims to be) and on redirects,
and checks every address it connects to against the address policy
(``aviso.lib.netguard``): names that resolve there and literal addresses,
checked again on every redirect hop (an open redirect to 169.254.169.254 is
the classic way around a check made only on the first URL). The connection
goes to the address that was checked, so a second DNS answer cannot swap it.

It speaks plain HTTP/1.1 over asyncio streams, one fresh connection per
request (``Connection: close``), rather than through aiohttp's client: a probe
needs one request and its answer, and aiohttp's client machinery (sessions,
connector pools, tracing, cookie jars) was the checker's main cost. Measured
in the checker benchmark (bench/RESULTS.md): CPU per check at 10,000
monitors 0.76 -> 0.58 ms (SQLite) and 0.79 -> 0.48 ms (PostgreSQL); at 50,000
monitors on SQLite one checker went from falling behind (about 380 checks/s)
to keeping up (1,647 of 1,667 checks/s). No compression is asked for, so
bodies arrive as sent. Framework-free: callers pass the switches and the
address policy (``aviso.lib.netguard``; monitors build it from
``settings.OUTBOUND_BLOCK_PRIVATE`` and ``settings.OUTBOUND_ALLOW``).

What the target sends is never repeated in an error: a caller may show the
error to someone who could not read the target themselves, so an answer
that is not HTTP is "not an HTTP answer", not its first bytes. Headers the
caller gives (credentials, as a rule) go only to the URL's own origin: a
redirect to another scheme, host or port is followed without them.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import string
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from multidict import CIMultiDict

from aviso.lib.netguard import BlockedAddress, Policy, UnresolvedHost, aresolve

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 1_000_000
MAX_HEADER_LINES = 200
MAX_HEADER_BYTES = 64 * 1024  # all header lines together
USER_AGENT = "Aviso-Monitor/0.1"


METADATA_ONLY = Policy()  # the least any caller gets: cloud metadata refused


class OutboundError(Exception):
    """A request that could not be made or completed; ``str()`` says why, briefly."""


class BlockedAddressError(OutboundError):
    """The address policy refused the target (or a redirect's target)."""


class BadAnswer(ValueError):
    """The target's answer is not the HTTP it should be; the message is ours alone."""


_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_HEX = frozenset(string.hexdigits.encode())


def header_problem(name: str, value: str) -> str | None:
    """Why a request header cannot be sent as given, or None when it can.

    A CR or LF in a value would end the header early and smuggle in another
    header (or a second request); a name outside RFC 9110's token characters
    is not a header name.
    """
    if not name or not set(name) <= _TOKEN_CHARS:
        return f"{name[:40]!r} is not a header name"
    if any(c in value for c in "\r\n\0"):
        return f"the value of {name} holds a line break or NUL"
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot go on a request line, or None: a space or control
    character there would split the request line (a redirect's Location too)."""
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        return "the URL holds a space or a control character"
    return None


def same_origin(first: str, second: str) -> bool:
    a, b = urlsplit(first), urlsplit(second)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


@cache
def tls_context(verify: bool) -> ssl.SSLContext:
    """Built once per process: loading the CA store costs milliseconds."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@lru_cache(maxsize=64)
def client_tls_context(verify: bool, cert_pem: str, key_pem: str) -> ssl.SSLContext:
    """A context presenting a client certificate (PEM texts, as monitor settings hold them).

    ``ssl`` loads a certificate chain from files only: the two texts are written to a
    private temporary folder, loaded and removed at once.
    """
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    with tempfile.TemporaryDirectory(prefix="aviso-client-cert-") as folder:
        cert_path, key_path = Path(folder, "cert.pem"), Path(folder, "key.pem")
        for path, text in ((cert_path, cert_pem), (key_path, key_pem)):
            path.touch(mode=0o600)
            path.write_text(text)
        context.load_cert_chain(cert_path, key_path)
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
    policy: Policy = METADATA_ONLY,
    client_cert: tuple[str, str] | None = None,
    proxy: str = "direct",
) -> Response:
    """One request (and its redirects) within ``timeout`` seconds in total.

    Every hop's address is checked against ``policy`` before it is connected
    to. ``client_cert`` (certificate and key PEM), like ``headers``, goes to the
    URL's own origin only. ``proxy`` is a ``proxy_for`` setting ("direct" by
    default; "" follows the environment). Raises ``OutboundError`` with a short
    reason for anything but an HTTP answer.
    """
    started = time.perf_counter()
    if isinstance(body, str):
        body = body.encode()
    headers = dict(headers or {})
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem:
            raise OutboundError(f"refused: {problem}")
    redirects = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                context = None
                if urlsplit(url).scheme == "https":
                    context = (client_tls_context(verify_tls, *client_cert) if client_cert
                               else tls_context(verify_tls))  # fmt: skip
                status, answer_headers, data, truncated = await _exchange(
                    url, method, headers, body, max_bytes, context, policy,
                    proxy_for(url, proxy),
                )  # fmt: skip
                location = answer_headers.get("Location")
                if follow_redirects and status in REDIRECT_CODES and location:
                    if redirects >= max_redirects:
                        raise OutboundError(f"more than {max_redirects} redirects")
                    redirects += 1
                    following = urljoin(url, location)
                    if not same_origin(url, following):
                        headers = {}  # the caller's credentials stay with its origin
                        client_cert = None
                    url = following
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
    except BlockedAddress as error:
        raise BlockedAddressError(str(error)) from None
    except UnresolvedHost as error:
        raise OutboundError(f"cannot connect: {error}") from None
    except ssl.SSLCertVerificationError as error:
        raise OutboundError(f"TLS certificate error: {error.verify_message}") from None
    except ssl.SSLError as error:
        raise OutboundError(f"TLS error: {error.reason or error}") from None
    except OSError as error:
        raise OutboundError(f"cannot connect: {error.strerror or type(error).__name__}") from None
    except BadAnswer as error:
        raise OutboundError(f"bad answer: {error}") from None
    except asyncio.IncompleteReadError:
        raise OutboundError("bad answer: the connection closed mid-answer") from None
    except (ValueError, asyncio.LimitOverrunError):
        # Python's own messages here quote the bytes that did not parse.
        raise OutboundError("bad answer: not an HTTP/1.x answer") from None


# What urllib reads for http(s) proxies. getproxies_environment() walks the whole
# environment at every call, 3 % of a checker's CPU when done at each check.
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "REQUEST_METHOD")


def _environment_proxies() -> dict[str, str]:
    return _proxies_given(tuple(os.environ.get(name) for name in _PROXY_VARIABLES))


@lru_cache(maxsize=8)
def _proxies_given(_values: tuple[str | None, ...]) -> dict[str, str]:
    """urllib's reading of the environment, once for each value of the variables it uses."""
    return urllib.request.getproxies_environment()


def proxy_for(url: str, setting: str = "") -> str | None:
    """The proxy URL to reach ``url`` through, or None to connect directly.

    ``setting`` is a monitor's: "direct" never uses one, an ``http://host:port``
    URL is that proxy, and "" takes HTTPS_PROXY / HTTP_PROXY (and NO_PROXY)
    from the environment, as curl does.
    """
    if setting == "direct":
        return None
    if setting:
        return setting
    parts = urlsplit(url)
    found = _environment_proxies().get(parts.scheme)
    if not found or urllib.request.proxy_bypass_environment(parts.hostname or ""):
        return None
    return found if "://" in found else f"http://{found}"


async def _tunnel(proxy: str, address: str, port: int, policy: Policy):
    """A stream to ``address:port`` through an HTTP proxy's CONNECT (the proxy checked too).

    The tunnel is opened to the address the guard checked, never to the name,
    so the proxy cannot be the way around it.
    """
    parts = urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise OutboundError("the proxy must be an http://host:port URL")
    proxy_port = parts.port or 8080
    proxy_address = await aresolve(parts.hostname, proxy_port, policy)
    reader, writer = await asyncio.open_connection(proxy_address, proxy_port, limit=2**16)
    where = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    writer.write(f"CONNECT {where} HTTP/1.1\r\nHost: {where}\r\n\r\n".encode("latin-1"))
    status_line = (await reader.readline()).decode("latin-1").strip()
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    for _ in range(MAX_HEADER_LINES):
        if (await reader.readline()) in (b"\r\n", b"\n", b""):
            break
    if not version.startswith("HTTP/1.") or not code.isdigit():
        writer.close()
        raise OutboundError("the proxy did not answer as an HTTP proxy")
    if code != "200":
        writer.close()
        raise OutboundError(f"the proxy refused the tunnel (HTTP {code})")
    return reader, writer


async def _exchange(url, method, headers, body, max_bytes, context, policy: Policy, proxy=None):
    problem = url_problem(url)
    if problem:
        raise OutboundError(f"refused: {problem}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError("not an http(s) URL with a host")
    secure = parts.scheme == "https"
    host = parts.hostname
    try:
        port = parts.port or (443 if secure else 80)
    except ValueError:
        raise OutboundError("the URL has an invalid port") from None
    address = await aresolve(host, port, policy)
    if proxy:
        reader, writer = await _tunnel(proxy, address, port, policy)
        if secure:
            await writer.start_tls(context or tls_context(True), server_hostname=host)
    else:
        reader, writer = await asyncio.open_connection(
            address,
            port,
            ssl=(context or tls_context(True)) if secure else None,
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
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            if "content-length" not in given:
                lines.append(f"Content-Length: {len(body or b'')}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        status_line = (await reader.readline()).decode("latin-1").strip()
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if version not in ("HTTP/1.0", "HTTP/1.1") or not (code.isdigit() and len(code) == 3):
            raise BadAnswer("not an HTTP/1.x answer")
        status = int(code)
        answer_headers: CIMultiDict = CIMultiDict()
        header_bytes = 0
        for _ in range(MAX_HEADER_LINES):
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            header_bytes += len(line)
            if header_bytes > MAX_HEADER_BYTES:
                raise BadAnswer("headers too large")
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers.add(name.strip(), value.strip())
        else:
            raise BadAnswer("too many header lines")
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
            digits = size_line.split(b";", 1)[0].strip()
            if not digits or len(digits) > 16 or not set(digits) <= _HEX:
                raise BadAnswer("bad chunk size")
            length = int(digits, 16)
            if length == 0:
                break
            # One chunk may claim more than the whole cap: read only what fits.
            wanted = min(length, limit - size)
            chunks.append(await reader.readexactly(wanted))
            size += wanted
            if wanted < length:
                break
            await reader.readline()  # the CRLF after each chunk
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
