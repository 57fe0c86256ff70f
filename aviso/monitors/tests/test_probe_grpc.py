"""The gRPC probe against a local server running grpcio's own health servicer."""

from __future__ import annotations

from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import SlowRelay, check, closed_port

Status = health_pb2.HealthCheckResponse


@pytest.fixture(scope="module")
def server():
    running = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, running)
    port = running.add_insecure_port("127.0.0.1:0")
    running.start()
    servicer.set("", Status.SERVING)
    servicer.set("billing", Status.SERVING)
    servicer.set("search", Status.NOT_SERVING)
    running.port = port
    yield running
    running.stop(0)


def conf(port: int, **more) -> dict:
    return {"host": "127.0.0.1", "port": port, **more}


class TestGrpcProbe:
    def test_the_whole_server_is_up_when_serving(self, server):
        outcome = check("grpc", conf(server.port))
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "SERVING")
        assert outcome.latency_ms > 0

    def test_a_named_service_is_checked(self, server):
        assert check("grpc", conf(server.port, service="billing")).status == CheckStatus.UP
        outcome = check("grpc", conf(server.port, service="search"))
        assert (outcome.status, outcome.message) == (CheckStatus.DOWN, "NOT_SERVING")

    def test_an_unknown_service_is_down(self, server):
        outcome = check("grpc", conf(server.port, service="nothing"))
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the server does not know this service",
        )  # fmt: skip

    def test_it_is_degraded_when_slow(self, server):
        relay = SlowRelay(server.port, delay=0.1)
        try:
            outcome = check("grpc", conf(relay.port, degraded_latency_ms=150), timeout=5)
        finally:
            relay.stop()
        assert outcome.status == CheckStatus.DEGRADED, outcome.message
        assert outcome.message.startswith("slow: ")

    def test_it_is_down_when_the_port_is_closed(self):
        outcome = check("grpc", conf(closed_port()))
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: the server is unavailable",
        )  # fmt: skip

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("grpc", {"host": "api", "port": 70000, "verify_tls": False})
        assert set(caught.value.errors) == {"config.port", "config.verify_tls"}
