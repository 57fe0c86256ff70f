"""The WebSocket probe against a local ``websockets`` server started by the test."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import check, closed_port
from aviso.monitors.tests.targets import LoopThread

SECRET = "internal-token-0451"


class EchoServer:
    """Echoes text upper-cased after ``delay`` seconds; /secret sends ``SECRET`` instead;
    /refused answers the handshake with a 403."""

    def __init__(self):
        self.delay = 0.0
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self):
        self.server = await serve(self._handle, "127.0.0.1", 0, process_request=self._gate)
        self.port = self.server.sockets[0].getsockname()[1]

    def _gate(self, connection, request):
        if request.path == "/refused":
            return Response(403, "Forbidden", Headers(), b"")
        return None

    async def _handle(self, connection):
        async for message in connection:
            await asyncio.sleep(self.delay)
            reply = SECRET if connection.request.path == "/secret" else message.upper()
            await connection.send(reply)

    def url(self, path: str = "/") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.server.close()
        self.loops.stop()


@pytest.fixture(scope="module")
def echo():
    server = EchoServer()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _quick(echo):
    echo.delay = 0.0


class TestWebsocketProbe:
    def test_it_is_up_on_a_handshake(self, echo):
        outcome = check("websocket", {"url": echo.url()})
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "connected")
        assert outcome.latency_ms > 0

    def test_it_is_up_when_the_expected_reply_comes(self, echo):
        outcome = check("websocket", {"url": echo.url(), "send": "ping", "expect": "PING"})
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "expected reply received")

    def test_it_is_down_on_another_reply_without_quoting_it(self, echo):
        outcome = check("websocket", {"url": echo.url("/secret"), "send": "x", "expect": "X"},
                        timeout=1)  # fmt: skip
        assert outcome.status == CheckStatus.DOWN
        assert SECRET not in outcome.message
        assert outcome.message == "timed out after 1 s"

    def test_it_is_degraded_when_the_reply_is_slow(self, echo):
        echo.delay = 0.3
        conf = {"url": echo.url(), "send": "a", "expect": "A", "degraded_latency_ms": 100}
        outcome = check("websocket", conf)
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.message.startswith("slow: ")

    def test_a_refused_handshake_is_down_with_its_status(self, echo):
        outcome = check("websocket", {"url": echo.url("/refused")})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "handshake refused: HTTP 403",
        )  # fmt: skip

    def test_it_is_down_when_the_port_is_closed(self):
        outcome = check("websocket", {"url": f"ws://127.0.0.1:{closed_port()}/"})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: Connection refused",
        )  # fmt: skip

    def test_bad_settings_are_named(self):
        for url in ("http://127.0.0.1/", "ws:///nohost", "ws://127.0.0.1:99999/"):
            with pytest.raises(ConfigError) as caught:
                parse_config("websocket", {"url": url})
            assert "config.url" in caught.value.errors, url
        with pytest.raises(ConfigError) as caught:
            parse_config("websocket", {"url": "ws://h/", "expect": "x"})
        assert caught.value.errors == {"config": "expect needs a message to send"}
