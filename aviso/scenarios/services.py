"""Small local services the scenarios break and mend, all on 127.0.0.1.

Each runs on its own asyncio loop in a background thread, so the scenario's main
thread, the checker thread and the worker thread can all reach it.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from aiohttp import web


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class DependencyService:
    """A TCP service ("the integrations backend") that answers ``PONG`` to every line.

    ``close()`` stops listening on its port (the "hardening" change of May 19);
    ``reopen()`` listens on the same port again.
    """

    def __init__(self, loops: LoopThread) -> None:
        self.loops = loops
        self.port = 0
        self.server: asyncio.AbstractServer | None = None
        self.reopen()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readline():
                writer.write(b"PONG\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    def reopen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]

        async def start() -> asyncio.AbstractServer:
            return await asyncio.start_server(self._handle, sock=sock)

        self.server = self.loops.run(start())

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        self.loops.run(stop())
        self.server = None


class WorkflowService:
    """An HTTP service whose ``/health`` depends on a TCP round trip to the dependency:
    200 when the dependency answers, 503 naming the failure otherwise."""

    def __init__(self, loops: LoopThread, dependency_port: int) -> None:
        self.loops = loops
        self.dependency_port = dependency_port
        self.port = loops.run(self._start())

    async def _health(self, request: web.Request) -> web.Response:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.dependency_port), 1
            )
            writer.write(b"PING\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.readline(), 1)
            writer.close()
        except (TimeoutError, OSError) as error:
            return web.Response(status=503, text=f"integrations backend unreachable: {error}")
        if answer != b"PONG\n":
            return web.Response(status=503, text="integrations backend answered nonsense")
        return web.Response(text="ok")

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/health", self._health)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def stop(self) -> None:
        self.loops.run(self.runner.cleanup())


class BotService:
    """A bot-like HTTP service whose answer time grows with the requests in flight:
    ``base + per_request * (in_flight - 1)`` seconds, like a worker pool that queues."""

    def __init__(self, loops: LoopThread, base: float = 0.02, per_request: float = 0.05) -> None:
        self.loops = loops
        self.base = base
        self.per_request = per_request
        self.in_flight = 0
        self.peak = 0
        self.port = loops.run(self._start())

    async def _message(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.base + self.per_request * (self.in_flight - 1))
        finally:
            self.in_flight -= 1
        return web.Response(text="delivered")

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_route("*", "/message", self._message)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/message"

    def stop(self) -> None:
        self.loops.run(self.runner.cleanup())


class Campaigns:
    """Bounded bursts of traffic: ``campaigns`` x ``senders`` concurrent senders, each
    posting one message after another until ``stop()``, ``max_seconds`` or
    ``max_requests`` in all, whichever comes first."""

    def __init__(
        self,
        loops: LoopThread,
        url: str,
        *,
        campaigns: int = 2,
        senders: int = 10,
        max_seconds: float = 40,
        max_requests: int = 5000,
    ) -> None:
        self.loops = loops
        self.url = url
        self.count = campaigns * senders
        self.max_seconds = max_seconds
        self.max_requests = max_requests
        self.sent = 0
        self._stop: asyncio.Event | None = None
        self._done: asyncio.Future | None = None

    async def _sender(self, session) -> None:
        while not self._stop.is_set() and self.sent < self.max_requests:
            self.sent += 1
            async with session.post(self.url, data=b"hola") as response:
                await response.read()

    async def _burst(self) -> None:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self.count)
        async with aiohttp.ClientSession(connector=connector) as session:
            senders = [asyncio.create_task(self._sender(session)) for _ in range(self.count)]
            try:
                await asyncio.wait_for(self._stop.wait(), self.max_seconds)
            except TimeoutError:
                self._stop.set()
            await asyncio.gather(*senders, return_exceptions=True)

    def start(self) -> None:
        async def begin() -> None:
            self._stop = asyncio.Event()
            self._done = asyncio.ensure_future(self._burst())

        self.loops.run(begin())

    def stop(self) -> None:
        async def end() -> None:
            self._stop.set()
            await self._done

        self.loops.run(end(), timeout=20)


class DatabaseBackedService:
    """The messaging service in front of the database: ``/health`` opens a connection
    and runs ``SELECT 1``; 503 with the database's refusal when it cannot."""

    def __init__(self, loops: LoopThread, dsn: str) -> None:
        self.loops = loops
        self.dsn = dsn
        self.port = loops.run(self._start())

    async def _health(self, request: web.Request) -> web.Response:
        import psycopg

        try:
            connection = await psycopg.AsyncConnection.connect(self.dsn, connect_timeout=2)
            async with connection:
                await connection.execute("SELECT 1")
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[-1][:200]
            return web.Response(status=503, text=f"database refused: {reason}")
        return web.Response(text="ok")

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/health", self._health)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def stop(self) -> None:
        self.loops.run(self.runner.cleanup())
