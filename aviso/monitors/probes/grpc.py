"""gRPC: the standard health checking protocol (``grpc.health.v1.Health/Check``).

grpcio dials from C, so it is given the checked address as an ``ipv4:`` /
``ipv6:`` target (no resolver of its own), the name only as the authority and
the TLS name, and told to ignore proxies from the environment. The answer is
a status enum and a gRPC code, which is all the message names.
"""

from __future__ import annotations

import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import GrpcConf
from aviso.monitors.probes import Outcome, ProbeContext, Target

SERVING = health_pb2.HealthCheckResponse.SERVING
# Codes whose meaning is "nothing usable answers there".
UNREACHABLE = {grpc.StatusCode.UNAVAILABLE: "cannot connect: the server is unavailable",
               grpc.StatusCode.UNIMPLEMENTED: "the server has no health service",
               grpc.StatusCode.NOT_FOUND: "the server does not know this service"}  # fmt: skip


def _channel(conf: GrpcConf, address: str) -> grpc.aio.Channel:
    where = f"ipv6:[{address}]:{conf.port}" if ":" in address else f"ipv4:{address}:{conf.port}"
    options = [("grpc.enable_http_proxy", 0), ("grpc.enable_retries", 0)]
    if conf.tls:
        options.append(("grpc.ssl_target_name_override", conf.host))
        return grpc.aio.secure_channel(where, grpc.ssl_channel_credentials(), options=options)
    options.append(("grpc.default_authority", conf.host))
    return grpc.aio.insecure_channel(where, options=options)


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: GrpcConf = target.config
    address = await ctx.address(conf.host, conf.port)
    started = time.perf_counter()
    async with _channel(conf, address) as channel:
        try:
            answer = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=conf.service), timeout=target.timeout
            )
        except grpc.aio.AioRpcError as error:
            code = error.code()
            said = UNREACHABLE.get(code, f"the health check failed: {code.name}")
            return Outcome(CheckStatus.DOWN, None, said)
    latency = (time.perf_counter() - started) * 1000
    state = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
    if answer.status != SERVING:
        return Outcome(CheckStatus.DOWN, latency, state)
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        return Outcome(CheckStatus.DEGRADED, latency, f"slow: {latency:.0f} ms")
    return Outcome(CheckStatus.UP, latency, state)
