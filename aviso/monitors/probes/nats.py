"""NATS: connect (INFO/CONNECT/PONG), and optionally a request answered on a subject.

nats-py is handed the checked address and never reconnects, so the servers a
cluster advertises (``connect_urls``) are never dialled behind the guard's
back. The reply's content is not read, only that one came.
"""

from __future__ import annotations

import time

import nats
import nats.errors

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import NatsConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, cannot_connect

# The server's -ERR words the probe recognises (matched, never repeated).
REFUSALS = [("authorization violation", "the server refused the login"),
            ("authentication timeout", "the login timed out"),
            ("maximum connections exceeded", "too many connections")]  # fmt: skip


def _failure(error: Exception, seen: list[Exception]) -> Outcome:
    # On a refused connect nats-py raises NoServersError and hands the reason to error_cb.
    for cause in (error, error.__cause__, error.__context__, *reversed(seen)):
        if isinstance(cause, nats.errors.AuthorizationError):
            return Outcome(CheckStatus.DOWN, None, "cannot connect: the server refused the login")
        if isinstance(cause, OSError) and cause.errno:
            return cannot_connect(cause)
    text = str(error).lower()
    for fragment, said in REFUSALS:
        if fragment in text:
            return Outcome(CheckStatus.DOWN, None, f"cannot connect: {said}")
    return Outcome(CheckStatus.DOWN, None, f"no NATS session ({type(error).__name__})")


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: NatsConf = target.config
    address = await ctx.address(conf.host, conf.port)
    host = f"[{address}]" if ":" in address else address
    seen: list[Exception] = []

    async def remember(error: Exception) -> None:
        seen.append(error)

    started = time.perf_counter()
    try:
        # One retry at most: with max_reconnect_attempts=0 nats-py retries a refused
        # server forever instead of failing.
        client = await nats.connect(
            servers=[f"nats://{host}:{conf.port}"], user=conf.username or None,
            password=conf.password or None, name="aviso monitor",
            connect_timeout=target.timeout, allow_reconnect=False, max_reconnect_attempts=1,
            reconnect_time_wait=0.05, error_cb=remember, dont_randomize=True,
        )  # fmt: skip
    except (nats.errors.Error, OSError) as error:
        return _failure(error, seen)
    try:
        latency = (time.perf_counter() - started) * 1000
        message = "connected"
        if conf.subject:
            try:
                await client.request(conf.subject, b"aviso", timeout=target.timeout)
            except nats.errors.NoRespondersError:
                return Outcome(CheckStatus.DOWN, latency, "no responder on the subject")
            except nats.errors.TimeoutError:
                return Outcome(CheckStatus.DOWN, latency, "the request was not answered in time")
            latency = (time.perf_counter() - started) * 1000
            message = "request answered"
    except nats.errors.Error as error:
        return _failure(error, seen)
    finally:
        await client.close()
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow: {latency:.0f} ms")
    return Outcome(CheckStatus.UP, latency, message)
