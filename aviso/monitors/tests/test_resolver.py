"""The checker's resolver: names through a local DNS server, answers reused, the guard kept."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest

from aviso.lib import netguard
from aviso.lib.http import BlockedAddressError, fetch
from aviso.lib.netguard import BlockedAddress, Policy, UnresolvedHost, aresolve
from aviso.monitors import resolver
from aviso.monitors.resolver import CachingResolver, from_environment, parse_servers
from aviso.monitors.tests.targets import DnsResponder, HttpTarget

A = 1
LOOPBACK = ipaddress.IPv4Address("127.0.0.1").packed
RECORDS = {
    ("web.example.test", A): [LOOPBACK],
    ("internal.example.test", A): [ipaddress.IPv4Address("10.1.2.3").packed],
}
TTL = 60  # what the local responder gives every answer


@pytest.fixture(scope="module")
def dns():
    responder = DnsResponder(RECORDS)
    yield responder
    responder.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def installed():
    """A resolver installed for ``aresolve``, as ``aviso checker`` installs it."""

    def install(lookup):
        netguard.use_lookup(lookup)
        return lookup

    yield install
    netguard.use_lookup(None)


def run(coroutine):
    return asyncio.run(coroutine)


class TestCachingResolver:
    def test_an_answer_is_reused_for_its_ttl_then_asked_again(self, dns):
        clock = Clock()
        names = CachingResolver([("127.0.0.1", dns.port)], max_seconds=3600, clock=clock)

        async def twice():
            return await names("web.example.test", 80), await names("WEB.example.test.", 80)

        assert run(twice()) == (["127.0.0.1"], ["127.0.0.1"])
        assert names.lookups == 1
        clock.now += TTL + 1
        assert run(names("web.example.test", 80)) == ["127.0.0.1"]
        assert names.lookups == 2

    def test_the_ttl_is_capped(self, dns):
        clock = Clock()
        names = CachingResolver([("127.0.0.1", dns.port)], max_seconds=5, clock=clock)
        run(names("web.example.test", 80))
        clock.now += 6
        run(names("web.example.test", 80))
        assert names.lookups == 2

    def test_checks_of_one_name_share_one_lookup(self, dns):
        names = CachingResolver([("127.0.0.1", dns.port)], max_seconds=30)

        async def many():
            return await asyncio.gather(*(names("web.example.test", 80) for _ in range(50)))

        assert run(many()) == [["127.0.0.1"]] * 50
        assert names.lookups == 1

    def test_a_name_that_does_not_exist_is_remembered_briefly(self, dns):
        clock = Clock()
        names = CachingResolver([("127.0.0.1", dns.port)], max_seconds=30, clock=clock)
        for _ in range(3):
            with pytest.raises(UnresolvedHost, match="NXDOMAIN"):
                run(names("typo.example.test", 80))
        assert names.lookups == 1
        clock.now += resolver.NEGATIVE_SECONDS + 1
        with pytest.raises(UnresolvedHost):
            run(names("typo.example.test", 80))
        assert names.lookups == 2

    def test_a_silent_server_is_passed_over_for_the_next(self, dns, monkeypatch):
        monkeypatch.setattr(resolver, "QUERY_TIMEOUT", 0.2)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
            silent.bind(("127.0.0.1", 0))
            servers = [("127.0.0.1", silent.getsockname()[1]), ("127.0.0.1", dns.port)]
            names = CachingResolver(servers, max_seconds=30)
            assert run(names("web.example.test", 80)) == ["127.0.0.1"]

    def test_without_servers_it_keeps_the_systems_answer(self):
        names = CachingResolver([], max_seconds=30)
        run(names("localhost", 80))
        run(names("localhost", 80))
        assert names.lookups == 1


class TestTheGuardStillDecides:
    def test_a_name_resolving_to_a_private_address_is_refused(self, dns, installed):
        installed(CachingResolver([("127.0.0.1", dns.port)], max_seconds=30))
        policy = Policy(block_private=True)
        for _ in range(2):  # the second answer comes from memory: refused all the same
            with pytest.raises(BlockedAddress):
                run(aresolve("internal.example.test", 80, policy))

    def test_a_check_reaches_a_named_target_through_the_local_server(self, dns, installed):
        installed(CachingResolver([("127.0.0.1", dns.port)], max_seconds=30))
        target = HttpTarget()
        try:
            answer = run(fetch(f"http://web.example.test:{target.port}/", timeout=5))
            assert answer.status == 200 and target.hits == 1
            with pytest.raises(BlockedAddressError):  # refused before any connection
                run(fetch("http://internal.example.test/", policy=Policy(block_private=True)))
        finally:
            target.stop()


class TestSettings:
    def test_servers_are_addresses_with_an_optional_port(self):
        assert parse_servers("10.0.0.2, 127.0.0.1:5353, [::1]:53") == [
            ("10.0.0.2", 53), ("127.0.0.1", 5353), ("::1", 53),
        ]  # fmt: skip
        assert parse_servers("") == []

    @pytest.mark.parametrize(
        "value, problem",
        [
            ("dns.example.com", "by its address"),
            ("127.0.0.1:53x", "not a number"),
            ("127.0.0.1:70000", "out of range"),
        ],
    )
    def test_a_bad_server_is_refused_with_the_reason(self, value, problem):
        with pytest.raises(ValueError, match=problem):
            parse_servers(value)

    def test_no_servers_and_no_memory_is_the_system_resolver_per_check(self):
        assert from_environment("", 0) is None
        assert isinstance(from_environment("", 30), CachingResolver)
