"""The ping probe: real echoes to 127.0.0.1, and the verdict on rounds with lost echoes.

The loopback never loses an echo, and no test may send one anywhere else, so
loss is judged on icmplib's own ``Host`` results built with the lost replies.
"""

from __future__ import annotations

import pytest
from icmplib import Host

from aviso.hostile.tests.wire import stand_in_dns
from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.probes.ping import verdict
from aviso.monitors.tests.probing import check


def _can_ping() -> bool:
    outcome = check("ping", {"host": "127.0.0.1", "count": 1})
    return outcome.status == CheckStatus.UP


pytestmark = pytest.mark.skipif(
    not _can_ping(), reason="neither datagram nor raw ICMP sockets are allowed to this process"
)


class TestPingProbe:
    def test_the_loopback_answers(self):
        outcome = check("ping", {"host": "127.0.0.1", "count": 3, "interval_s": 0.05})
        assert outcome.status == CheckStatus.UP
        assert outcome.message.startswith("0% packet loss; round trip ")
        assert outcome.metrics["packets_received"] == 3
        assert outcome.latency_ms > 0

    def test_it_is_degraded_past_the_round_trip_threshold(self):
        conf = {"host": "127.0.0.1", "count": 2, "interval_s": 0.05, "rtt_warn_ms": 0.0001}
        outcome = check("ping", conf)
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.message.startswith("round trip ")

    def test_it_is_down_past_the_critical_round_trip(self):
        conf = {"host": "127.0.0.1", "count": 1, "rtt_warn_ms": 0.0001, "rtt_critical_ms": 0.0002}
        assert check("ping", conf).status == CheckStatus.DOWN

    def test_a_name_that_does_not_resolve_is_down(self, monkeypatch):
        stand_in_dns(monkeypatch, {})  # every name fails, as if it did not exist; no DNS asked
        outcome = check("ping", {"host": "gone.example.test"})
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("cannot connect: gone.example.test does not resolve")


class TestPingVerdict:
    conf = parse_config("ping", {"host": "h", "loss_warn": 0.2, "loss_critical": 0.8})

    def test_all_echoes_lost_is_down(self):
        outcome = verdict(Host("127.0.0.1", 4, []), self.conf)
        assert (outcome.status, outcome.message) == (CheckStatus.DOWN, "no echo reply (4 sent)")
        assert outcome.metrics["packet_loss"] == 1.0

    def test_some_loss_is_degraded(self):
        outcome = verdict(Host("127.0.0.1", 4, [0.3, 0.4, 0.5]), self.conf)
        assert (outcome.status, outcome.message) == (CheckStatus.DEGRADED, "25% packet loss")
        assert outcome.latency_ms == pytest.approx(0.4)

    def test_loss_past_the_critical_share_is_down(self):
        outcome = verdict(Host("127.0.0.1", 5, [0.3]), self.conf)
        assert outcome.status == CheckStatus.DOWN

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("ping", {"host": "h", "count": 0, "loss_warn": 2})
        assert set(caught.value.errors) == {"config.count", "config.loss_warn"}
        with pytest.raises(ConfigError) as caught:
            parse_config("ping", {"host": "h", "rtt_warn_ms": 50, "rtt_critical_ms": 10})
        assert caught.value.errors == {
            "config": "rtt: the critical threshold is below the warn threshold"
        }
