"""Each probe against a real local target: passes, degrades and fails as configured."""

from __future__ import annotations

import asyncio
import ipaddress
import struct

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import parse_config
from aviso.monitors.probes import ProbeContext, Target, run_probe
from aviso.monitors.probes.dns import encode_name
from aviso.monitors.tests.targets import (
    DnsResponder,
    HttpTarget,
    RedisServer,
    free_port,
    tls_server_context,
)


def check(kind: str, config: dict, timeout: float = 2.0, block_private: bool = False, **target):
    return asyncio.run(
        run_probe(
            Target(0, kind, parse_config(kind, config), timeout, **target),
            ProbeContext(block_private=block_private),
        )
    )


@pytest.fixture(scope="module")
def web():
    server = HttpTarget()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _reset(request):
    if "web" in request.fixturenames:
        request.getfixturevalue("web").mode = "ok"


class TestHttpProbe:
    def test_it_is_up_on_an_expected_status(self, web):
        outcome = check("http", {"url": web.url + "/"})
        assert outcome.status == CheckStatus.UP
        assert outcome.latency_ms > 0

    def test_it_is_down_on_a_500(self, web):
        web.mode = "500"
        outcome = check("http", {"url": web.url + "/"})
        assert (outcome.status, outcome.message) == (CheckStatus.DOWN, "HTTP 500")

    def test_it_accepts_a_500_when_told_to(self, web):
        web.mode = "500"
        assert check("http", {"url": web.url, "expected_status": [500]}).status == "up"

    def test_it_is_down_when_the_target_hangs_past_the_timeout(self, web):
        web.mode = "slow"
        outcome = check("http", {"url": web.url + "/"}, timeout=0.5)
        assert outcome.status == CheckStatus.DOWN
        assert "timed out" in outcome.message

    def test_it_is_degraded_when_slower_than_the_limit(self, web):
        web.mode, web.slow_seconds = "slow", 0.3
        outcome = check("http", {"url": web.url + "/", "degraded_latency_ms": 100}, timeout=2)
        assert outcome.status == CheckStatus.DEGRADED
        assert "slow" in outcome.message

    def test_it_is_down_when_the_port_is_closed(self):
        target = HttpTarget()
        target.close_listener()
        outcome = check("http", {"url": target.url + "/"})
        target.stop()
        assert outcome.status == CheckStatus.DOWN
        assert "cannot connect" in outcome.message

    def test_it_checks_a_keyword_present_and_absent(self, web):
        assert check("http", {"url": web.url, "keyword": "All good"}).status == "up"
        assert check("http", {"url": web.url, "keyword": "Oops"}).status == "down"
        absent = check("http", {"url": web.url, "keyword": "All good", "keyword_absent": True})
        assert absent.status == "down"
        assert (
            check("http", {"url": web.url, "keyword": "Oops", "keyword_absent": True}).status
            == "up"
        )

    def test_it_checks_a_json_path(self, web):
        url = web.url + "/json"
        assert (
            check("http", {"url": url, "json_path": "data.state", "json_equals": "ok"}).status
            == "up"
        )
        assert (
            check("http", {"url": url, "json_path": "data.items.0.n", "json_equals": 3}).status
            == "up"
        )
        wrong = check("http", {"url": url, "json_path": "data.state", "json_equals": "bad"})
        assert (wrong.status, wrong.message) == ("down", "JSON path data.state did not match")
        missing = check("http", {"url": url, "json_path": "data.nope"})
        assert missing.message == "data.nope not found"

    def test_it_follows_redirects_up_to_the_limit(self, web):
        assert check("http", {"url": web.url + "/redirect/3"}).status == "up"
        too_many = check("http", {"url": web.url + "/redirect/3", "max_redirects": 2})
        assert (too_many.status, too_many.message) == ("down", "more than 2 redirects")
        unfollowed = check("http", {"url": web.url + "/redirect/1", "follow_redirects": False})
        assert unfollowed.message == "HTTP 302"

    def test_it_refuses_private_addresses_when_blocking_is_on(self, web):
        hits = web.hits
        outcome = check("http", {"url": web.url + "/"}, block_private=True)
        assert outcome.status == CheckStatus.DOWN
        assert "127.0.0.1 is a private, loopback or link-local address" in outcome.message
        by_name = check("http", {"url": f"http://localhost:{web.port}/"}, block_private=True)
        assert "localhost (127.0.0.1) is a private" in by_name.message
        assert web.hits == hits  # neither request reached the server


class TestTlsProbes:
    @pytest.fixture(scope="class")
    def short_lived(self):
        server = HttpTarget(ssl_context=tls_server_context(days=5))
        yield server
        server.stop()

    def test_it_reads_days_left_and_applies_thresholds(self, short_lived):
        conf = {"host": "127.0.0.1", "port": short_lived.port, "verify": False}
        outcome = check("tls", {**conf, "warn_days": 3, "critical_days": 1})
        assert outcome.status == CheckStatus.UP
        assert 4.9 < outcome.metrics["days_left"] < 5.1
        assert check("tls", {**conf, "warn_days": 10, "critical_days": 2}).status == "degraded"
        assert check("tls", {**conf, "warn_days": 10, "critical_days": 6}).status == "down"

    def test_it_is_down_on_an_untrusted_certificate_when_verifying(self, short_lived):
        outcome = check("tls", {"host": "127.0.0.1", "port": short_lived.port})
        assert outcome.status == CheckStatus.DOWN
        assert "certificate" in outcome.message

    def test_the_http_probe_verifies_tls_unless_told_not_to(self, short_lived):
        assert check("http", {"url": short_lived.url + "/"}).status == "down"
        assert check("http", {"url": short_lived.url + "/", "verify_tls": False}).status == "up"


class TestTcpProbe:
    def test_it_is_up_when_the_port_accepts(self, web):
        assert check("tcp", {"host": "127.0.0.1", "port": web.port}).status == "up"

    def test_it_is_down_when_refused(self):
        outcome = check("tcp", {"host": "127.0.0.1", "port": free_port()})
        assert outcome.status == CheckStatus.DOWN


class TestDnsProbe:
    @pytest.fixture(scope="class")
    def dns(self):
        responder = DnsResponder(
            {
                ("api.example.test", 1): [ipaddress.IPv4Address("10.1.2.3").packed],
                ("mail.example.test", 15): [struct.pack("!H", 10) + encode_name("mx.example.test")],
            }
        )
        yield responder
        responder.stop()

    def test_it_matches_the_expected_answer(self, dns):
        conf = {"name": "api.example.test", "port": dns.port}
        assert check("dns", {**conf, "expected": "10.1.2.3"}).status == "up"
        wrong = check("dns", {**conf, "expected": "10.9.9.9"})
        assert (wrong.status, wrong.message) == (
            "down",
            "10.9.9.9 is not among the 1 A answers",
        )

    def test_it_reads_mx_records(self, dns):
        conf = {"name": "mail.example.test", "record_type": "MX", "port": dns.port}
        assert check("dns", {**conf, "expected": "10 mx.example.test"}).status == "up"

    def test_it_is_down_on_nxdomain(self, dns):
        outcome = check("dns", {"name": "nope.example.test", "port": dns.port})
        assert outcome.status == "down"
        assert "NXDOMAIN" in outcome.message

    def test_it_is_down_when_nobody_answers(self):
        outcome = check("dns", {"name": "a.test", "port": free_port()}, timeout=0.5)
        assert outcome.status == "down"


@pytest.mark.skipif(not RedisServer.available, reason="redis-server is not installed")
class TestRedisProbe:
    def test_it_measures_ping_and_memory(self):
        server = RedisServer(maxmemory="100mb")
        try:
            outcome = check("redis", {"host": "127.0.0.1", "port": server.port})
        finally:
            server.stop()
        assert outcome.status == CheckStatus.UP
        assert outcome.metrics["maxmemory"] == 100 * 1024 * 1024
        assert 0 < outcome.metrics["memory_ratio"] < 0.1

    def test_it_is_degraded_or_down_by_memory_thresholds(self):
        server = RedisServer(maxmemory="2mb")
        try:
            conf = {"host": "127.0.0.1", "port": server.port}
            ratio = check("redis", conf).metrics["memory_ratio"]
            degraded = check("redis", {**conf, "memory_warn": ratio / 2, "memory_critical": 1})
            down = check("redis", {**conf, "memory_warn": ratio / 4, "memory_critical": ratio / 2})
        finally:
            server.stop()
        assert degraded.status == CheckStatus.DEGRADED
        assert down.status == CheckStatus.DOWN

    def test_it_is_down_when_redis_is_not_there(self):
        assert check("redis", {"host": "127.0.0.1", "port": free_port()}).status == "down"
