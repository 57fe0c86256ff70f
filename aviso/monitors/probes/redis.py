"""Redis: PING round trip and memory use, spoken in RESP over a plain socket.

Replies are read within bounds (``MAX_REPLY_BYTES``) and never quoted: an
error reply is named by its code when it is one Redis uses, and is "an error
reply" otherwise, so the monitor cannot read out whatever answers on the port.
"""

from __future__ import annotations

import asyncio
import time

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import RedisConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, by_threshold, worst

MAX_REPLY_BYTES = 1_000_000  # INFO memory is a few kilobytes
# Redis's own error codes: a reply's first word is shown only when it is one of these.
ERROR_CODES = frozenset({
    "ERR", "NOAUTH", "WRONGPASS", "NOPERM", "LOADING", "BUSY", "MASTERDOWN", "MISCONF",
    "READONLY", "WRONGTYPE", "NOSCRIPT", "OOM", "EXECABORT", "CLUSTERDOWN",
})  # fmt: skip


class RedisError(Exception):
    pass


def _command(*parts: str) -> bytes:
    out = f"*{len(parts)}\r\n".encode()
    for part in parts:
        raw = part.encode()
        out += b"$%d\r\n%s\r\n" % (len(raw), raw)
    return out


async def _reply(reader: asyncio.StreamReader) -> str:
    line = (await reader.readline()).decode("utf-8", "replace").rstrip("\r\n")
    if not line:
        raise RedisError("connection closed")
    kind, rest = line[0], line[1:]
    if kind == "-":
        code = rest.split(" ", 1)[0]
        raise RedisError(f"{code} error reply" if code in ERROR_CODES else "an error reply")
    if kind in "+:":
        return rest
    if kind == "$":
        if not rest.lstrip("-").isdigit():
            raise RedisError("malformed reply")
        size = int(rest)
        if size < 0:
            return ""
        if size > MAX_REPLY_BYTES:
            raise RedisError("reply too large")
        return (await reader.readexactly(size + 2))[:-2].decode("utf-8", "replace")
    raise RedisError("not a Redis reply")


def parse_info(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            key, value = line.split(":", 1)
            fields[key] = value
    return fields


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: RedisConf = target.config
    try:
        address = await ctx.address(conf.host, conf.port)
        reader, writer = await asyncio.open_connection(address, conf.port)
    except OSError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {error.strerror or error}")
    try:
        if conf.password:
            writer.write(_command("AUTH", conf.password))
            await _reply(reader)
        started = time.perf_counter()
        writer.write(_command("PING"))
        pong = await _reply(reader)
        latency = (time.perf_counter() - started) * 1000
        writer.write(_command("INFO", "memory"))
        info = parse_info(await _reply(reader))
    except RedisError as error:
        return Outcome(CheckStatus.DOWN, None, f"redis: {error}")
    finally:
        writer.close()
    if pong != "PONG":
        return Outcome(CheckStatus.DOWN, latency, "PING not answered with PONG")
    used = int(info.get("used_memory", 0))
    maxmemory = int(info.get("maxmemory", 0))
    metrics = {"used_memory": used, "maxmemory": maxmemory}
    statuses, reasons = [CheckStatus.UP], [f"PONG in {latency:.1f} ms"]
    if maxmemory:
        ratio = used / maxmemory
        metrics["memory_ratio"] = round(ratio, 4)
        statuses.append(by_threshold(ratio, conf.memory_warn, conf.memory_critical))
        reasons.append(f"memory {ratio:.0%} of maxmemory")
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        statuses.append(CheckStatus.DEGRADED)
        reasons.append("slow PING")
    return Outcome(worst(*statuses), latency, "; ".join(reasons), metrics)
