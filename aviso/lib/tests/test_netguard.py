"""The address guard's rules, address by address (no socket is opened here)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest

from aviso.lib import netguard
from aviso.lib.netguard import BlockedAddress, Policy

BLOCK = Policy(block_private=True)


class TestPolicy:
    @pytest.mark.parametrize(
        "address",
        ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2",
         "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"],
    )  # fmt: skip
    def test_it_refuses_metadata_addresses_with_private_ones_allowed(self, address):
        with pytest.raises(BlockedAddress, match="cloud metadata address"):
            Policy(block_private=False).check(address)

    @pytest.mark.parametrize(
        "address",
        ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "::1", "fe80::1",
         "fc00::1", "::ffff:127.0.0.1", "100.64.0.1", "224.0.0.1", "0.0.0.0", "::"],  # noqa: S104
    )  # fmt: skip
    def test_it_refuses_private_addresses_when_told_to(self, address):
        with pytest.raises(BlockedAddress, match="private, loopback or link-local"):
            BLOCK.check(address)
        assert Policy().check(address) == address

    @pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111"])
    def test_it_lets_public_addresses_through(self, address):
        assert BLOCK.check(address) == address

    def test_the_allow_list_wins_over_every_rule(self):
        policy = Policy(block_private=True, allow=netguard.parse_allow(["10.0.0.0/8", "::1"]))
        assert policy.check("10.9.9.9") == "10.9.9.9"
        assert policy.check("::1") == "::1"
        with pytest.raises(BlockedAddress):
            policy.check("192.168.0.1")

    def test_parse_allow_reads_addresses_and_networks(self):
        assert netguard.parse_allow([" 127.0.0.1 ", "", "[fd00::]/8"]) == (
            ipaddress.ip_network("127.0.0.1/32"),
            ipaddress.ip_network("fd00::/8"),
        )
        with pytest.raises(ValueError, match="'nope' is not an IP address or network"):
            netguard.parse_allow(["nope"])


class TestLiteralAddress:
    @pytest.mark.parametrize(
        ("host", "address"),
        [("2852039166", "169.254.169.254"), ("0xa9fea9fe", "169.254.169.254"),
         ("169.254.43518", "169.254.169.254"), ("0251.0376.0251.0376", "169.254.169.254"),
         ("127.1", "127.0.0.1"), ("[::1]", "::1")],
    )  # fmt: skip
    def test_it_reads_every_spelling_libc_reads(self, host, address):
        assert netguard.literal_address(host) == address

    @pytest.mark.parametrize("host", ["example.com", "cafe.be", "localhost", ""])
    def test_a_name_is_not_a_literal(self, host):
        assert netguard.literal_address(host) is None

    def test_check_host_judges_literals_and_leaves_names_for_later(self):
        with pytest.raises(BlockedAddress, match=r"2852039166 \(169.254.169.254\)"):
            netguard.check_host("2852039166", Policy())
        netguard.check_host("metadata.google.internal", Policy())  # judged at connect time


class TestResolve:
    @pytest.fixture
    def dns(self, monkeypatch):
        answers = {"mixed.test": ["93.184.215.14", "10.0.0.1"], "public.test": ["93.184.215.14"]}

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
            if host not in answers or flags & socket.AI_NUMERICHOST:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def test_one_refused_address_refuses_the_name(self, dns):
        with pytest.raises(BlockedAddress, match=r"mixed.test \(10.0.0.1\)"):
            netguard.resolve("mixed.test", 80, BLOCK)
        with pytest.raises(BlockedAddress):
            asyncio.run(netguard.aresolve("mixed.test", 80, BLOCK))

    def test_it_returns_the_checked_address(self, dns):
        assert netguard.resolve("public.test", 80, BLOCK) == "93.184.215.14"
        assert asyncio.run(netguard.aresolve("public.test", 80, BLOCK)) == "93.184.215.14"

    def test_a_name_that_does_not_resolve_says_so(self, dns):
        with pytest.raises(netguard.UnresolvedHost, match="nowhere.test does not resolve"):
            netguard.resolve("nowhere.test", 80, BLOCK)
