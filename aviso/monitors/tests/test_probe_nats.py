"""The NATS probe against a nats-server the test starts (with a user and password),
and a responder of its own for the request/reply round trip."""

from __future__ import annotations

import asyncio
import shutil
import subprocess

import nats
import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import check, closed_port
from aviso.monitors.tests.targets import LoopThread, listening

pytestmark = pytest.mark.skipif(
    shutil.which("nats-server") is None, reason="nats-server is not installed"
)
USER, PASSWORD = "probe", "n4ts-pass"


class NatsServer:
    def __init__(self):
        self.port = closed_port()
        self.process = subprocess.Popen(
            ["nats-server", "-a", "127.0.0.1", "-p", str(self.port), "--user", USER,
             "--pass", PASSWORD],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if listening(self.port):
            return
        self.stop()
        raise RuntimeError("nats-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(5)


class Responder:
    """Answers requests on ``subject`` after ``delay`` seconds."""

    def __init__(self, port: int, subject: str, delay: float = 0.0):
        self.delay = delay
        self.loops = LoopThread()
        self.loops.run(self._start(port, subject))

    async def _start(self, port: int, subject: str) -> None:
        self.client = await nats.connect(f"nats://{USER}:{PASSWORD}@127.0.0.1:{port}")

        async def answer(message):
            await asyncio.sleep(self.delay)
            await message.respond(b"ok")

        await self.client.subscribe(subject, cb=answer)
        await self.client.flush()

    def stop(self) -> None:
        self.loops.run(self.client.close())
        self.loops.stop()


@pytest.fixture(scope="module")
def server():
    running = NatsServer()
    yield running
    running.stop()


def conf(port: int, **more) -> dict:
    return {"host": "127.0.0.1", "port": port, "username": USER, "password": PASSWORD, **more}


class TestNatsProbe:
    def test_it_is_up_on_a_connect(self, server):
        outcome = check("nats", conf(server.port))
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "connected")
        assert outcome.latency_ms > 0

    def test_a_request_is_answered(self, server):
        responder = Responder(server.port, "health.api")
        try:
            outcome = check("nats", conf(server.port, subject="health.api"))
        finally:
            responder.stop()
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "request answered")

    def test_it_is_degraded_when_the_reply_is_slow(self, server):
        responder = Responder(server.port, "health.slow", delay=0.3)
        try:
            settings = conf(server.port, subject="health.slow", degraded_latency_ms=100)
            outcome = check("nats", settings)
        finally:
            responder.stop()
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.message.startswith("slow: ")

    def test_it_is_down_without_a_responder(self, server):
        outcome = check("nats", conf(server.port, subject="health.nobody"))
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "no responder on the subject",
        )  # fmt: skip

    def test_a_wrong_password_is_down(self, server):
        outcome = check("nats", {**conf(server.port), "password": "wrong"})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: the server refused the login",
        )  # fmt: skip

    def test_it_is_down_when_the_server_is_stopped(self):
        stopped = NatsServer()
        stopped.stop()
        outcome = check("nats", conf(stopped.port))
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("cannot connect: "), outcome.message

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("nats", {"host": "n", "subject": "health.>"})
        assert "config.subject" in caught.value.errors
        with pytest.raises(ConfigError) as caught:
            parse_config("nats", {"host": "n", "password": "p"})
        assert caught.value.errors == {"config": "a password needs a username"}
