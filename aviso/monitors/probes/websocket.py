"""WebSocket: the opening handshake, and optionally one message sent and a reply expected.

The ``websockets`` client is handed the checked address (``host``) and keeps
the URL's name for the Host header and TLS; a redirect to another origin is
refused by the library when the address is given, so it cannot leave the
guard. No proxy from the environment. A reply is compared, never quoted.
"""

from __future__ import annotations

import ssl
import time
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import WebsocketConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, cannot_connect

MAX_MESSAGE_BYTES = 1_000_000
MAX_REPLIES = 20  # replies read while waiting for the expected one


def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _handshake_failure(error: Exception) -> str:
    if isinstance(error, InvalidStatus):
        return f"handshake refused: HTTP {error.response.status_code}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate not valid: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return "TLS handshake failed"
    return f"handshake failed ({type(error).__name__})"


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: WebsocketConf = target.config
    parts = urlsplit(conf.url)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    address = await ctx.address(parts.hostname, port)
    options = {"ssl": _context(conf.verify_tls)} if parts.scheme == "wss" else {}
    started = time.perf_counter()
    try:
        connection = await connect(
            conf.url, host=address, port=port, proxy=None, open_timeout=target.timeout,
            max_size=MAX_MESSAGE_BYTES, close_timeout=1, user_agent_header="Aviso monitor",
            **options,
        )  # fmt: skip
    except (InvalidHandshake, ssl.SSLError) as error:
        return Outcome(CheckStatus.DOWN, None, _handshake_failure(error))
    except OSError as error:
        return cannot_connect(error)
    latency = (time.perf_counter() - started) * 1000
    message = "connected"
    try:
        if conf.send:
            await connection.send(conf.send)
            message = "reply received"
            if conf.expect:
                for _ in range(MAX_REPLIES):
                    reply = await connection.recv()
                    text = reply if isinstance(reply, str) else reply.decode("utf-8", "replace")
                    if conf.expect in text:
                        break
                else:
                    return Outcome(CheckStatus.DOWN, latency, "the expected reply did not come")
                message = "expected reply received"
            else:
                await connection.recv()
            latency = (time.perf_counter() - started) * 1000
    except WebSocketException as error:
        return Outcome(CheckStatus.DOWN, latency, f"connection closed ({type(error).__name__})")
    finally:
        await connection.close()
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow: {latency:.0f} ms")
    return Outcome(CheckStatus.UP, latency, message)
