"""The AMQP probe against RabbitMQ on 127.0.0.1:5672 (guest/guest), on queues of its own."""

from __future__ import annotations

import secrets
import socket

import aio_pika
import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import SlowRelay, check, closed_port
from aviso.monitors.tests.targets import LoopThread


def _listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _listening(), reason="no RabbitMQ on 127.0.0.1:5672")
GUEST = {"host": "127.0.0.1", "username": "guest", "password": "guest"}


async def _hold(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    """Take a message and never acknowledge it."""


class Queue:
    """A queue of its own holding holding ``ready`` messages, with ``consumers`` consumers."""

    def __init__(self, ready: int, consumers: int):
        self.name = f"aviso-probe-{secrets.token_hex(4)}"
        self.loops = LoopThread()
        self.loops.run(self._start(ready, consumers))

    async def _start(self, ready: int, consumers: int) -> None:
        self.connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        channel = await self.connection.channel()
        queue = await channel.declare_queue(self.name, auto_delete=False)
        for number in range(ready):
            await channel.default_exchange.publish(aio_pika.Message(b"%d" % number), self.name)
        for _ in range(consumers):
            # Each consumer holds one message unacknowledged (prefetch 1); the rest stay ready.
            held = await self.connection.channel()
            await held.set_qos(prefetch_count=1)
            await (await held.get_queue(self.name)).consume(_hold)
        self.queue = queue

    def stop(self) -> None:
        async def close():
            await self.queue.delete(if_unused=False, if_empty=False)
            await self.connection.close()

        self.loops.run(close())
        self.loops.stop()


@pytest.fixture
def queue():
    made = []

    def make(ready: int = 0, consumers: int = 0) -> Queue:
        made.append(Queue(ready, consumers))
        return made[-1]

    yield make
    for each in made:
        each.stop()


class TestAmqpProbe:
    def test_it_is_up_with_a_channel(self):
        outcome = check("amqp", GUEST)
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "channel open")
        assert outcome.latency_ms > 0

    def test_it_reports_a_queues_depth_and_consumers(self, queue):
        jobs = queue(ready=3, consumers=1)
        outcome = check("amqp", {**GUEST, "queue": jobs.name, "queue_depth_warn": 10})
        assert outcome.status == CheckStatus.UP, outcome.message
        assert outcome.metrics == {"queue_depth": 2, "consumers": 1}

    def test_it_is_degraded_past_the_depth_threshold(self, queue):
        jobs = queue(ready=5)
        settings = {**GUEST, "queue": jobs.name, "queue_depth_warn": 5, "queue_depth_critical": 50}
        outcome = check("amqp", settings)
        assert (outcome.status, outcome.message) == (CheckStatus.DEGRADED, "5 messages ready")

    def test_it_is_down_past_the_critical_depth(self, queue):
        jobs = queue(ready=4)
        settings = {**GUEST, "queue": jobs.name, "queue_depth_warn": 2, "queue_depth_critical": 4}
        assert check("amqp", settings).status == CheckStatus.DOWN

    def test_it_is_degraded_with_too_few_consumers(self, queue):
        jobs = queue(consumers=1)
        outcome = check("amqp", {**GUEST, "queue": jobs.name, "consumers_min": 2})
        assert (outcome.status, outcome.message) == (CheckStatus.DEGRADED, "1 consumers")

    def test_a_missing_queue_is_down_and_not_created(self):
        name = f"aviso-absent-{secrets.token_hex(4)}"
        outcome = check("amqp", {**GUEST, "queue": name})
        assert (outcome.status, outcome.message) == (CheckStatus.DOWN, "the queue does not exist")
        assert check("amqp", {**GUEST, "queue": name}).status == CheckStatus.DOWN

    def test_it_is_degraded_when_the_broker_is_slow(self):
        relay = SlowRelay(5672, delay=0.05)
        try:
            outcome = check("amqp", {**GUEST, "port": relay.port, "degraded_latency_ms": 100})
        finally:
            relay.stop()
        assert outcome.status == CheckStatus.DEGRADED, outcome.message
        assert outcome.message.startswith("slow: ")

    def test_a_wrong_password_is_down(self):
        outcome = check("amqp", {**GUEST, "password": "not-guest"})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: the broker refused the login",
        )  # fmt: skip

    def test_it_is_down_when_the_port_is_closed(self):
        outcome = check("amqp", {**GUEST, "port": closed_port()})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: Connection refused",
        )  # fmt: skip

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("amqp", {"host": "mq", "consumers_min": 1})
        assert caught.value.errors == {"config": "queue thresholds need a queue"}
        with pytest.raises(ConfigError) as caught:
            parse_config("amqp", {"host": "mq", "queue": "q", "queue_depth_warn": -1})
        assert "config.queue_depth_warn" in caught.value.errors
