"""MQTT: connect (CONNACK), and optionally a publish/subscribe round trip on a topic.

aiomqtt (on paho-mqtt) is handed the checked address. The round trip
subscribes, publishes a unique payload at QoS 1 and waits for that payload to
come back; other messages on the topic are skipped, never quoted. A refused
CONNACK is named by its reason code.
"""

from __future__ import annotations

import secrets
import time

import aiomqtt

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import MqttConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, cannot_connect

MAX_SKIPPED = 100  # other messages read while waiting for ours


def _failure(error: aiomqtt.MqttError) -> Outcome:
    cause = error.__cause__ or error.__context__
    if isinstance(cause, OSError):
        return cannot_connect(cause)
    if isinstance(error, aiomqtt.MqttCodeError) and error.rc is not None:
        reason = getattr(error.rc, "getName", lambda: str(error.rc))()
        return Outcome(CheckStatus.DOWN, None, f"the broker refused: {reason}")
    return Outcome(CheckStatus.DOWN, None, f"no MQTT session ({type(error).__name__})")


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: MqttConf = target.config
    address = await ctx.address(conf.host, conf.port)
    started = time.perf_counter()
    client = aiomqtt.Client(
        hostname=address, port=conf.port, username=conf.username or None,
        password=conf.password or None, identifier=f"aviso-{secrets.token_hex(6)}",
        timeout=target.timeout, clean_session=True,
    )  # fmt: skip
    try:
        async with client:
            latency = (time.perf_counter() - started) * 1000
            message = "connected"
            if conf.topic:
                payload = secrets.token_hex(8).encode()
                await client.subscribe(conf.topic, qos=1)
                await client.publish(conf.topic, payload, qos=1)
                skipped = 0
                async for received in client.messages:
                    if received.payload == payload:
                        break
                    skipped += 1
                    if skipped >= MAX_SKIPPED:
                        return Outcome(CheckStatus.DOWN, None, "our message did not come back")
                latency = (time.perf_counter() - started) * 1000
                message = "publish/subscribe round trip"
    except aiomqtt.MqttError as error:
        return _failure(error)
    except OSError as error:
        return cannot_connect(error)
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow: {latency:.0f} ms")
    return Outcome(CheckStatus.UP, latency, message)
