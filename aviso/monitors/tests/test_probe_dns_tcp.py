"""The DNS probe's TCP fallback and record-type checks, against the local responder."""

from __future__ import annotations

import ipaddress
import struct

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.probes.dns import encode_name
from aviso.monitors.tests.probing import check
from aviso.monitors.tests.targets import DnsResponder

A, CNAME, SRV, CAA = 1, 5, 33, 257
ADDRESS = ipaddress.IPv4Address("10.1.2.3").packed
RECORDS = {
    ("api.example.test", A): [ADDRESS],
    ("alias.example.test", A): [(CNAME, encode_name("elsewhere.example.test"))],
    ("_sip._tcp.example.test", SRV): [
        struct.pack("!HHH", 10, 5, 5060) + encode_name("sip.example.test")
    ],  # fmt: skip
    ("example.test", CAA): [b"\x00\x05issue" + b"letsencrypt.org"],
}


@pytest.fixture(scope="module")
def truncating():
    responder = DnsResponder(RECORDS, truncate_udp=True)
    yield responder
    responder.stop()


@pytest.fixture(scope="module")
def plain():
    responder = DnsResponder(RECORDS)
    yield responder
    responder.stop()


class TestDnsOverTcp:
    def test_a_truncated_answer_is_asked_again_over_tcp(self, truncating):
        before = truncating.tcp_queries
        outcome = check("dns", {"name": "api.example.test", "port": truncating.port,
                                "expected": "10.1.2.3"})  # fmt: skip
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "A 10.1.2.3 over TCP")
        assert truncating.tcp_queries == before + 1

    def test_udp_only_says_the_answer_was_truncated(self, truncating):
        conf = {"name": "api.example.test", "port": truncating.port, "transport": "udp"}
        outcome = check("dns", conf)
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "A api.example.test: truncated answer",
        )  # fmt: skip

    def test_tcp_only_skips_udp(self, plain):
        before = plain.tcp_queries
        conf = {"name": "api.example.test", "port": plain.port, "transport": "tcp"}
        assert check("dns", conf).message == "1 A answer(s) over TCP"
        assert plain.tcp_queries == before + 1

    def test_an_answer_that_fits_stays_on_udp(self, plain):
        before = plain.tcp_queries
        outcome = check("dns", {"name": "api.example.test", "port": plain.port})
        assert outcome.message == "1 A answer(s)"
        assert plain.tcp_queries == before

    def test_tcp_is_down_when_no_tcp_listener(self):
        responder = DnsResponder(RECORDS, truncate_udp=True, tcp=False)
        try:
            outcome = check("dns", {"name": "api.example.test", "port": responder.port})
        finally:
            responder.stop()
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "A api.example.test: Connection refused",
        )  # fmt: skip


class TestDnsRecordTypes:
    def test_a_cname_alone_does_not_answer_an_a_query(self, plain):
        outcome = check("dns", {"name": "alias.example.test", "port": plain.port})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "no A answer (1 of other types)",
        )  # fmt: skip

    def test_srv_records_are_read(self, plain):
        conf = {"name": "_sip._tcp.example.test", "record_type": "SRV", "port": plain.port,
                "expected": "10 5 5060 sip.example.test"}  # fmt: skip
        assert check("dns", conf).status == CheckStatus.UP

    def test_caa_records_are_read(self, plain):
        conf = {"name": "example.test", "record_type": "CAA", "port": plain.port,
                "expected": '0 issue "letsencrypt.org"'}  # fmt: skip
        outcome = check("dns", conf)
        assert outcome.status == CheckStatus.UP, outcome.message

    def test_an_unknown_type_or_transport_is_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("dns", {"name": "x.test", "record_type": "HINFO", "transport": "quic"})
        assert set(caught.value.errors) == {"config.record_type", "config.transport"}
