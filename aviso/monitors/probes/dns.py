"""DNS: one query over UDP with the standard library, answers compared as text.

The message says whether the expected answer came, never the answers: a DNS
monitor must not be a way to list what an internal resolver knows.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import struct
import time

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import DnsConf
from aviso.monitors.probes import Outcome, ProbeContext, Target

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(Exception):
    pass


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("idna")
        if not 0 < len(raw) < 64:
            raise DnsError(f"bad label in {name!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def build_query(name: str, record_type: str, query_id: int) -> bytes:
    header = struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0)  # recursion desired
    return header + encode_name(name) + struct.pack("!HH", TYPES[record_type], 1)


def decode_name(message: bytes, offset: int) -> tuple[str, int]:
    """A possibly compressed name at ``offset``; returns it and the offset after it."""
    labels, jumped, end, hops = [], False, offset, 0
    while True:
        if offset >= len(message) or hops > 64:
            raise DnsError("malformed name")
        length = message[offset]
        if length & 0xC0 == 0xC0:
            pointer = struct.unpack("!H", message[offset : offset + 2])[0] & 0x3FFF
            if not jumped:
                end = offset + 2
            offset, jumped, hops = pointer, True, hops + 1
            continue
        if length == 0:
            if not jumped:
                end = offset + 1
            return ".".join(labels), end
        labels.append(message[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length


def parse_answers(message: bytes, query_id: int) -> list[str]:
    if len(message) < 12:
        raise DnsError("short answer")
    ident, flags, qdcount, ancount, _, _ = struct.unpack("!HHHHHH", message[:12])
    if ident != query_id:
        raise DnsError("answer to another query")
    rcode = flags & 0x000F
    if rcode:
        raise DnsError(RCODES.get(rcode, f"rcode {rcode}"))
    offset = 12
    for _ in range(qdcount):
        _, offset = decode_name(message, offset)
        offset += 4
    answers = []
    for _ in range(ancount):
        _, offset = decode_name(message, offset)
        rtype, _, _, length = struct.unpack("!HHIH", message[offset : offset + 10])
        offset += 10
        data = message[offset : offset + length]
        if rtype == 1 and length == 4:
            answers.append(str(ipaddress.IPv4Address(data)))
        elif rtype == 28 and length == 16:
            answers.append(str(ipaddress.IPv6Address(data)))
        elif rtype in (2, 5):
            answers.append(decode_name(message, offset)[0])
        elif rtype == 15:
            preference = struct.unpack("!H", data[:2])[0]
            answers.append(f"{preference} {decode_name(message, offset + 2)[0]}")
        elif rtype == 16:
            parts, i = [], 0
            while i < len(data):
                parts.append(data[i + 1 : i + 1 + data[i]].decode("utf-8", "replace"))
                i += 1 + data[i]
            answers.append("".join(parts))
        offset += length
    return answers


class _Exchange(asyncio.DatagramProtocol):
    def __init__(self, query: bytes):
        self.query = query
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        transport.sendto(self.query)

    def datagram_received(self, data, addr):
        if not self.answer.done():
            self.answer.set_result(data)

    def error_received(self, exc):
        if not self.answer.done():
            self.answer.set_exception(exc)


async def resolve(server: str, port: int, name: str, record_type: str) -> list[str]:
    """Ask ``server`` (an address the guard has checked) for ``name``."""
    query_id = secrets.randbelow(0x10000)
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Exchange(build_query(name, record_type, query_id)), remote_addr=(server, port)
    )
    try:
        return parse_answers(await protocol.answer, query_id)
    finally:
        transport.close()


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: DnsConf = target.config
    started = time.perf_counter()
    try:
        server = await ctx.address(conf.server, conf.port)
        answers = await resolve(server, conf.port, conf.name, conf.record_type)
    except DnsError as error:
        return Outcome(CheckStatus.DOWN, None, f"{conf.record_type} {conf.name}: {error}")
    except OSError as error:
        reason = error.strerror or str(error)  # our resolver's words or the OS's
        return Outcome(CheckStatus.DOWN, None, f"{conf.record_type} {conf.name}: {reason}")
    latency = (time.perf_counter() - started) * 1000
    metrics = {"answer_count": len(answers)}
    if not answers:
        return Outcome(CheckStatus.DOWN, latency, f"no {conf.record_type} answer", metrics)
    if conf.expected:
        wanted = conf.expected.rstrip(".").lower()
        if wanted not in (a.rstrip(".").lower() for a in answers):
            return Outcome(
                CheckStatus.DOWN,
                latency,
                f"{conf.expected} is not among the {len(answers)} {conf.record_type} answers",
                metrics,
            )
        return Outcome(CheckStatus.UP, latency, f"{conf.record_type} {conf.expected}", metrics)
    return Outcome(
        CheckStatus.UP, latency, f"{len(answers)} {conf.record_type} answer(s)", metrics
    )
