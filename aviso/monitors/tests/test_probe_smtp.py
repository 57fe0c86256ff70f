"""The SMTP probe against a local aiosmtpd: banner, EHLO, STARTTLS, implicit TLS, expiry."""

from __future__ import annotations

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import check, closed_port
from aviso.monitors.tests.targets import tls_server_context
from aviso.notify.testing import SmtpSink


@pytest.fixture
def sink():
    made = []

    def start(**options) -> SmtpSink:
        made.append(SmtpSink(**options).up())
        return made[-1]

    yield start
    for each in made:
        each.down()


class TestSmtpProbe:
    def test_it_is_up_on_a_plain_session(self, sink):
        server = sink()
        outcome = check("smtp", {"host": "127.0.0.1", "port": server.port})
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "EHLO answered")
        assert outcome.latency_ms > 0
        assert server.connections == 1

    def test_starttls_reports_the_certificates_days_left(self, sink):
        server = sink(tls=tls_server_context(days=90))
        conf = {"host": "127.0.0.1", "port": server.port, "tls": "starttls", "verify_tls": False}
        outcome = check("smtp", conf)
        assert outcome.status == CheckStatus.UP, outcome.message
        assert outcome.message == "EHLO answered, TLS up"
        assert 89 < outcome.metrics["days_left"] <= 90

    def test_it_is_degraded_when_the_certificate_nears_expiry(self, sink):
        server = sink(tls=tls_server_context(days=10))
        conf = {"host": "127.0.0.1", "port": server.port, "tls": "starttls", "verify_tls": False}
        outcome = check("smtp", conf)
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.message.startswith("certificate expires in 10.0 days")

    def test_it_is_down_inside_the_critical_days(self, sink):
        server = sink(tls=tls_server_context(days=3), implicit_tls=True)
        conf = {"host": "127.0.0.1", "port": server.port, "tls": "implicit", "verify_tls": False}
        outcome = check("smtp", conf)
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("certificate expires in 3.0 days")

    def test_an_untrusted_certificate_is_down_when_verified(self, sink):
        server = sink(tls=tls_server_context(days=90))
        outcome = check("smtp", {"host": "127.0.0.1", "port": server.port, "tls": "starttls"})
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("certificate not valid: self")

    def test_it_is_down_when_starttls_is_not_offered(self, sink):
        server = sink()
        outcome = check("smtp", {"host": "127.0.0.1", "port": server.port, "tls": "starttls"})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the server does not offer STARTTLS",
        )  # fmt: skip

    def test_it_is_down_when_a_login_is_asked_of_a_server_without_auth(self, sink):
        server = sink()
        conf = {"host": "127.0.0.1", "port": server.port, "username": "u", "password": "p"}
        outcome = check("smtp", conf)
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the server does not offer AUTH",
        )  # fmt: skip

    def test_it_is_down_when_the_port_is_closed(self):
        outcome = check("smtp", {"host": "127.0.0.1", "port": closed_port()})
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message == "cannot connect: Connection refused"

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("smtp", {"host": "mx", "tls": "sometimes"})
        assert "config.tls" in caught.value.errors
        with pytest.raises(ConfigError) as caught:
            parse_config("smtp", {"host": "mx", "password": "p"})
        assert caught.value.errors == {"config": "a password needs a username"}
