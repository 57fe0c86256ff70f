"""Real local targets for the probe and checker tests, all on 127.0.0.1, port 0.

Each runs on its own event loop in a background thread, so synchronous tests,
``asyncio.run`` probes and checker subprocesses can all reach it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class LoopThread:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self):
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(cancel_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class HttpTarget:
    """``mode``: "ok", "500", "slow" (answers after ``slow_seconds``), "closed" (no listener)."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None):
        self.mode = "ok"
        self.slow_seconds = 5.0
        self.hits = 0
        self.ssl_context = ssl_context
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self):
        app = web.Application()
        app.router.add_route("*", "/", self._root)
        app.router.add_get("/json", self._json)
        app.router.add_get("/redirect/{n}", self._redirect)
        app.router.add_get("/chunked", self._chunked)
        app.router.add_route("*", "/echo", self._echo)
        app.router.add_route("*", "/go", self._go)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        self.site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
        await self.site.start()
        self.port = self.site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def _answer(self, body, **kwargs):
        self.hits += 1
        if self.mode == "500":
            return web.Response(status=500, text="boom")
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        return (
            web.json_response(body, **kwargs)
            if not isinstance(body, str)
            else web.Response(text=body, **kwargs)
        )

    async def _root(self, request):
        return await self._answer("<h1>All good</h1> " + "x" * 12_000)

    async def _json(self, request):
        return await self._answer({"data": {"state": "ok", "items": [{"n": 3}]}})

    async def _redirect(self, request):
        n = int(request.match_info["n"])
        raise web.HTTPFound("/" if n <= 1 else f"/redirect/{n - 1}")

    async def _chunked(self, request):
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"alpha-", b"beta-", b"gamma"):
            await response.write(part)
        await response.write_eof()
        return response

    async def _echo(self, request):
        body = await request.read()
        return web.json_response(
            {"method": request.method, "body": body.decode(), "x": request.headers.get("X-Test")}
        )

    async def _go(self, request):
        raise web.HTTPSeeOther(request.query["to"])

    def close_listener(self):
        """The "closed" mode: stop listening so connections are refused."""
        self.mode = "closed"
        self.loops.run(self.site.stop())

    def stop(self):
        self.loops.run(self.runner.cleanup())
        self.loops.stop()


def self_signed(days: float, host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False
        )
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def tls_server_context(days: float) -> ssl.SSLContext:
    cert, key = self_signed(days)
    folder = Path(tempfile.mkdtemp(prefix="aviso-tls-"))
    (folder / "cert.pem").write_bytes(cert)
    (folder / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


class DnsResponder:
    """A tiny authoritative responder on UDP and TCP (same port):
    ``records[(name, qtype)] = [answers]``, each answer ``rdata`` or ``(rtype, rdata)``
    (a CNAME in an A answer, say). ``truncate_udp``: every UDP answer comes back
    empty with the TC bit set, so only TCP gets the records; ``tcp=False`` opens no
    TCP listener."""

    def __init__(
        self, records: dict[tuple[str, int], list], truncate_udp: bool = False, tcp: bool = True
    ):
        self.records = records
        self.truncate_udp = truncate_udp
        self.tcp_queries = 0
        self.loops = LoopThread()
        for attempt in range(20):
            self.loops.run(self._start())
            if not tcp:
                break
            try:
                self.loops.run(self._start_tcp())
                break
            except OSError:
                # The UDP port's TCP twin is taken (another test's connection, say):
                # try another pair rather than fail.
                self.transport.close()
                if attempt == 19:
                    raise

    async def _start_tcp(self):
        async def serve(reader, writer):
            try:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                self.tcp_queries += 1
                answer = self.answer(await reader.readexactly(length))
                writer.write(struct.pack("!H", len(answer)) + answer)
                await writer.drain()
            finally:
                writer.close()

        self.tcp_server = await asyncio.start_server(serve, "127.0.0.1", self.port)

    async def _start(self):
        loop = asyncio.get_running_loop()
        responder = self

        class Protocol(asyncio.DatagramProtocol):
            def connection_made(self, transport):
                self.transport = transport

            def datagram_received(self, data, addr):
                self.transport.sendto(responder.answer(data, udp=True), addr)

        self.transport, _ = await loop.create_datagram_endpoint(
            Protocol, local_addr=("127.0.0.1", 0)
        )
        self.port = self.transport.get_extra_info("sockname")[1]

    def answer(self, query: bytes, udp: bool = False) -> bytes:
        ident = query[:2]
        offset, labels = 12, []
        while query[offset]:
            labels.append(query[offset + 1 : offset + 1 + query[offset]].decode())
            offset += 1 + query[offset]
        question = query[12 : offset + 5]
        qtype = struct.unpack("!H", query[offset + 1 : offset + 3])[0]
        answers = self.records.get((".".join(labels), qtype))
        if answers is None:
            return ident + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        if udp and self.truncate_udp:
            return ident + struct.pack("!HHHHH", 0x8380, 1, 0, 0, 0) + question  # TC set
        body = b""
        for each in answers:
            rtype, rdata = each if isinstance(each, tuple) else (qtype, each)
            body += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
        return ident + struct.pack("!HHHHH", 0x8180, 1, len(answers), 0, 0) + question + body

    def stop(self):
        self.transport.close()
        if hasattr(self, "tcp_server"):
            self.tcp_server.close()
        self.loops.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A real redis-server on an ephemeral port (skipped by callers when not installed)."""

    available = shutil.which("redis-server") is not None

    def __init__(self, maxmemory: str = "0"):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--maxmemory", maxmemory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if listening(self.port):
            return
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(5)


def listening(port: int, timeout: float = 5.0) -> bool:
    """Whether a server started by a test accepts connections on ``port`` within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
