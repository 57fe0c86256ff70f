"""The outbound suite's instruments: a tripwire on connect, a stand-in resolver, local servers.

Nothing here sends a packet beyond the loopback. ``Tripwire`` lets sockets
connect to 127.0.0.1 and ::1 only, and records (and refuses, before the
system call) any other attempt; ``stand_in_dns`` answers for the test's own
names and refuses to ask real DNS for any other.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aviso.monitors.tests.targets import LoopThread

LOOPBACK = {"127.0.0.1", "::1"}


class Tripwire:
    """Patches ``socket.socket.connect``: loopback connects go ahead, others are recorded."""

    def __init__(self, monkeypatch) -> None:
        self.attempts: list[object] = []
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        tripwire = self

        def allowed(address) -> bool:
            return isinstance(address, tuple) and address[0] in LOOPBACK

        def connect(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address):
                tripwire.attempts.append(address)
                raise ConnectionRefusedError(111, "tripwire: no packet leaves the loopback")
            return real_connect(sock, address)

        def connect_ex(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address):
                tripwire.attempts.append(address)
                return 111
            return real_connect_ex(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


def stand_in_dns(
    monkeypatch, names: dict[str, list[str] | str], later: dict[str, str] | None = None
) -> dict[str, int]:
    """Answer ``names`` (name -> address or addresses); return a count of lookups per name.

    ``later`` answers every lookup after the first (a name that rebinds).

    Numeric hosts and ``localhost`` go to libc (no packet is sent for them);
    any other name fails as if it did not exist, so a test never asks real DNS.
    """
    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - libc's names
        name = host.decode() if isinstance(host, bytes) else host
        if name in names:
            if flags & socket.AI_NUMERICHOST:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            lookups[name] = lookups.get(name, 0) + 1
            answers = names[name]
            if lookups[name] > 1 and later and name in later:
                answers = later[name]
            infos = []
            for address in [answers] if isinstance(answers, str) else answers:
                if ":" in address:
                    infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "",
                                  (address, int(port or 0), 0, 0)))  # fmt: skip
                else:
                    infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "",
                                  (address, int(port or 0))))  # fmt: skip
            return infos
        if name in (None, "localhost"):
            return real(host, port, family, type, proto, flags)
        return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


class ScriptedServer:
    """A TCP server on 127.0.0.1: says ``greeting`` on connect, then one reply per read."""

    def __init__(self, greeting: bytes = b"", replies: list[bytes] = (), close: bool = False):
        self.greeting = greeting
        self.replies = list(replies)
        self.close_after = close
        self.connections = 0
        self.loops = LoopThread()
        self.server = self.loops.run(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            if self.greeting:
                writer.write(self.greeting)
                await writer.drain()
            for reply in self.replies:
                if not await reader.read(65536):
                    break
                writer.write(reply)
                await writer.drain()
            if not self.close_after:
                await reader.read(65536)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def stop(self) -> None:
        # On the server's own loop: asyncio's Server is not thread-safe, and closing it
        # from this thread raced with the loop's own bookkeeping.
        self.loops.run(_close(self.server))
        self.loops.stop()


class Recorder:
    """An HTTP server on 127.0.0.1 that records each request's headers.

    ``/go?to=URL`` answers 302 to ``URL``; ``/endless`` answers 500 with a body
    that never ends; anything else answers 200 "ok".
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        if request.path == "/go":
            raise web.HTTPFound(request.query["to"])
        if request.path == "/endless":
            response = web.StreamResponse(status=500)
            await response.prepare(request)
            try:
                while True:
                    await response.write(b"x" * 65536)
            except (ConnectionError, asyncio.CancelledError):
                return response
        return web.Response(text="ok")

    def stop(self) -> None:
        self.loops.run(self.runner.cleanup())
        self.loops.stop()


def ca_and_server_cert(folder: Path, host: str = "127.0.0.1") -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA and a server certificate it signed for ``host``.

    Returns the CA's PEM file (for a client to trust) and a server context.
    """
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Aviso test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "cert.pem").write_bytes(cert.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return folder / "ca.pem", context


async def _close(server: asyncio.Server) -> None:
    server.close()
