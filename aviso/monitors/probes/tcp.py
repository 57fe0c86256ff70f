"""TCP connect: the port accepts a connection, within the latency limit."""

from __future__ import annotations

import asyncio
import time

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import TcpConf
from aviso.monitors.probes import Outcome, ProbeContext, Target


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: TcpConf = target.config
    started = time.perf_counter()
    try:
        address = await ctx.address(conf.host, conf.port)
        _, writer = await asyncio.open_connection(address, conf.port)
    except OSError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {error.strerror or error}")
    latency = (time.perf_counter() - started) * 1000
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass  # the connection worked; how it closed does not matter
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow connect: {latency:.0f} ms")
    return Outcome(CheckStatus.UP, latency, "connected")
