"""DNS: one query over UDP (TCP when the answer is truncated, or when asked), answers
compared as text.

Only answers of the asked type count: a CNAME alone does not answer an A
query. The message says whether the expected answer came, never the answers:
a DNS monitor must not be a way to list what an internal resolver knows.

Written on the standard library (no resolver library): the probe sends one
question and reads one answer, within bounds.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import secrets
import struct
import time

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import DnsConf
from aviso.monitors.probes import Outcome, ProbeContext, Target

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "CAA": 257}  # fmt: skip
NAMES = {number: name for name, number in TYPES.items()}
TRUNCATED = 0x0200
RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(Exception):
    pass


class Truncated(DnsError):
    """The UDP answer did not fit (TC bit): ask again over TCP."""


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


def _rdata(message: bytes, rtype: int, offset: int, data: bytes) -> str | None:
    """One record's data as text, or None for a type the probe does not read."""
    length = len(data)
    if rtype == 1 and length == 4:
        return str(ipaddress.IPv4Address(data))
    if rtype == 28 and length == 16:
        return str(ipaddress.IPv6Address(data))
    if rtype in (2, 5, 12):
        return decode_name(message, offset)[0]
    if rtype == 15:
        preference = struct.unpack("!H", data[:2])[0]
        return f"{preference} {decode_name(message, offset + 2)[0]}"
    if rtype == 16:
        parts, i = [], 0
        while i < len(data):
            parts.append(data[i + 1 : i + 1 + data[i]].decode("utf-8", "replace"))
            i += 1 + data[i]
        return "".join(parts)
    if rtype == 33 and length >= 7:
        priority, weight, port = struct.unpack("!HHH", data[:6])
        return f"{priority} {weight} {port} {decode_name(message, offset + 6)[0]}"
    if rtype == 6:
        mname, after = decode_name(message, offset)
        rname, after = decode_name(message, after)
        serial = struct.unpack("!I", message[after : after + 4])[0]
        return f"{mname} {rname} {serial}"
    if rtype == 257 and length >= 2:
        tag_length = data[1]
        tag = data[2 : 2 + tag_length].decode("ascii", "replace")
        value = data[2 + tag_length :].decode("utf-8", "replace")
        return f'{data[0]} {tag} "{value}"'
    return None


def parse_answers(
    message: bytes, query_id: int, ttls: list[int] | None = None
) -> list[tuple[str, str]]:
    """(type, text) of each answer record the probe can read; their TTLs into ``ttls``."""
    if len(message) < 12:
        raise DnsError("short answer")
    ident, flags, qdcount, ancount, _, _ = struct.unpack("!HHHHHH", message[:12])
    if ident != query_id:
        raise DnsError("answer to another query")
    if flags & TRUNCATED:
        raise Truncated("truncated answer")
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
        if offset + 10 > len(message):
            raise DnsError("malformed answer")
        rtype, _, ttl, length = struct.unpack("!HHIH", message[offset : offset + 10])
        offset += 10
        text = _rdata(message, rtype, offset, message[offset : offset + length])
        if text is not None:
            answers.append((NAMES.get(rtype, str(rtype)), text))
            if ttls is not None:
                ttls.append(ttl)
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


async def _over_udp(server: str, port: int, query: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Exchange(query), remote_addr=(server, port)
    )
    try:
        return await protocol.answer
    finally:
        transport.close()


async def _over_tcp(server: str, port: int, query: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(server, port)
    try:
        writer.write(struct.pack("!H", len(query)) + query)
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        return await reader.readexactly(length)  # at most 65,535 bytes by the format
    except asyncio.IncompleteReadError:
        raise DnsError("the server closed the TCP connection early") from None
    finally:
        writer.close()


async def resolve(
    server: str,
    port: int,
    name: str,
    record_type: str,
    transport: str = "auto",
    ttls: list[int] | None = None,
) -> tuple[list[tuple[str, str]], str]:
    """Ask ``server`` (an address the guard has checked) for ``name``.

    Returns the typed answers and the transport that carried them: "auto"
    asks over UDP and again over TCP when the answer comes back truncated.
    """
    query_id = secrets.randbelow(0x10000)
    query = build_query(name, record_type, query_id)
    if transport != "tcp":
        try:
            return parse_answers(await _over_udp(server, port, query), query_id, ttls), "udp"
        except Truncated:
            if transport == "udp":
                raise
    return parse_answers(await _over_tcp(server, port, query), query_id, ttls), "tcp"


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: DnsConf = target.config
    started = time.perf_counter()
    try:
        server = await ctx.address(conf.server, conf.port)
        typed, carried = await resolve(
            server, conf.port, conf.name, conf.record_type, conf.transport
        )
    except DnsError as error:
        return Outcome(CheckStatus.DOWN, None, f"{conf.record_type} {conf.name}: {error}")
    except OSError as error:
        # The OS's words for the errno (not asyncio's, which repeat the address), or ours.
        reason = os.strerror(error.errno) if error.errno else error.strerror or str(error)
        return Outcome(CheckStatus.DOWN, None, f"{conf.record_type} {conf.name}: {reason}")
    latency = (time.perf_counter() - started) * 1000
    answers = [text for rtype, text in typed if rtype == conf.record_type]
    metrics = {"answer_count": len(answers)}
    over = " over TCP" if carried == "tcp" else ""
    if not answers:
        others = f" ({len(typed)} of other types)" if typed else ""
        return Outcome(CheckStatus.DOWN, latency, f"no {conf.record_type} answer{others}", metrics)
    if conf.expected:
        wanted = conf.expected.rstrip(".").lower()
        if wanted not in (a.rstrip(".").lower() for a in answers):
            return Outcome(
                CheckStatus.DOWN,
                latency,
                f"{conf.expected} is not among the {len(answers)} {conf.record_type} answers",
                metrics,
            )
        return Outcome(
            CheckStatus.UP, latency, f"{conf.record_type} {conf.expected}{over}", metrics
        )
    return Outcome(
        CheckStatus.UP, latency, f"{len(answers)} {conf.record_type} answer(s){over}", metrics
    )
