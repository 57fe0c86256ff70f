"""AMQP 0-9-1 (RabbitMQ): connect and open a channel; optionally a queue's depth and consumers.

aio-pika is handed the checked address. The queue is declared passively, so
the probe never creates one; a missing queue is "down". Errors are named by
their kind, never by the broker's reply text.
"""

from __future__ import annotations

import time

import aio_pika
import aiormq.exceptions as amqp_errors

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import AmqpConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, by_threshold, cannot_connect, worst

NEVER = 2**62  # a threshold left unset


def _failure(error: Exception) -> Outcome:
    if isinstance(error, amqp_errors.ProbableAuthenticationError):
        return Outcome(CheckStatus.DOWN, None, "cannot connect: the broker refused the login")
    if isinstance(error, amqp_errors.ConnectionNotAllowed):
        return Outcome(CheckStatus.DOWN, None, "cannot connect: the virtual host is not allowed")
    for cause in (error, error.__cause__, error.__context__, *getattr(error, "args", ())):
        if isinstance(cause, OSError) and cause.errno:
            return cannot_connect(cause)
    return Outcome(CheckStatus.DOWN, None, f"no AMQP session ({type(error).__name__})")


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: AmqpConf = target.config
    address = await ctx.address(conf.host, conf.port)
    started = time.perf_counter()
    try:
        connection = await aio_pika.connect(
            host=address, port=conf.port, login=conf.username, password=conf.password,
            virtualhost=conf.vhost, timeout=target.timeout,
            client_properties={"connection_name": "aviso monitor"},
        )  # fmt: skip
    except (amqp_errors.AMQPError, OSError) as error:
        return _failure(error)
    try:
        channel = await connection.channel()
        latency = (time.perf_counter() - started) * 1000
        if not conf.queue:
            checks = [(CheckStatus.UP, "channel open")]
            metrics = None
        else:
            try:
                queue = await channel.declare_queue(conf.queue, passive=True)
            except amqp_errors.ChannelNotFoundEntity:
                return Outcome(CheckStatus.DOWN, latency, "the queue does not exist")
            depth = queue.declaration_result.message_count
            consumers = queue.declaration_result.consumer_count
            metrics = {"queue_depth": depth, "consumers": consumers}
            warn = conf.queue_depth_warn if conf.queue_depth_warn is not None else NEVER
            critical = conf.queue_depth_critical if conf.queue_depth_critical is not None else NEVER
            checks = [(by_threshold(depth, warn, critical), f"{depth} messages ready")]
            if conf.consumers_min is not None and consumers < conf.consumers_min:
                checks.append((CheckStatus.DEGRADED, f"{consumers} consumers"))
            else:
                checks.append((CheckStatus.UP, f"{consumers} consumers"))
    except amqp_errors.AMQPError as error:
        return _failure(error)
    finally:
        await connection.close()
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        checks.append((CheckStatus.DEGRADED, f"slow: {latency:.0f} ms"))
    status = worst(*(s for s, _ in checks))
    reasons = [text for s, text in checks if s != CheckStatus.UP] or [t for _, t in checks]
    return Outcome(status, latency, "; ".join(reasons), metrics)
