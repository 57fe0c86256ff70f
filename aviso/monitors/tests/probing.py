"""Shared helpers for the per-kind probe tests: one check, a closed port, a slow relay."""

from __future__ import annotations

import asyncio
import socket

from aviso.monitors.configs import parse_config
from aviso.monitors.probes import Outcome, ProbeContext, Target, run_probe
from aviso.monitors.tests.targets import LoopThread


def check(kind: str, config: dict, timeout: float = 3.0, **target) -> Outcome:
    """One check of a ``kind`` monitor with ``config``, through ``run_probe`` and its guard."""
    conf = parse_config(kind, config)
    return asyncio.run(run_probe(Target(0, kind, conf, timeout, **target), ProbeContext()))


def closed_port() -> int:
    """An ephemeral port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SlowRelay:
    """A TCP relay on 127.0.0.1 to ``port`` that holds each server-to-client chunk for
    ``delay`` seconds: a real service made slow, for the "degraded past a threshold" tests."""

    def __init__(self, port: int, delay: float = 0.25):
        self.target_port, self.delay = port, delay
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pump(source, sink, delay: float) -> None:
            try:
                while chunk := await source.read(65536):
                    if delay:
                        await asyncio.sleep(delay)
                    sink.write(chunk)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer, 0), pump(up_reader, writer, self.delay))

    def stop(self) -> None:
        # On the server's own loop: asyncio's Server is not thread-safe, and closing it
        # from this thread raced with the loop's own bookkeeping.
        self.loops.run(_close(self.server))
        self.loops.stop()


async def _close(server: asyncio.Server) -> None:
    server.close()
