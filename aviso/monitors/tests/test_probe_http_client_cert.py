"""The HTTP probe's client certificate, against a local HTTPS server that requires one."""

from __future__ import annotations

import ssl
import tempfile
from pathlib import Path

import pytest

from aviso.lib.sealed import is_sealed
from aviso.monitors import lifecycle
from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.models import Monitor
from aviso.monitors.tests.probing import check
from aviso.monitors.tests.targets import HttpTarget, self_signed
from aviso.testing import SYSTEM

CLIENT_CERT, CLIENT_KEY = (part.decode() for part in self_signed(30))
OTHER_CERT, OTHER_KEY = (part.decode() for part in self_signed(30))


@pytest.fixture(scope="module")
def mutual():
    """An HTTPS target that accepts only clients presenting ``CLIENT_CERT``."""
    server_cert, server_key = self_signed(30)
    folder = Path(tempfile.mkdtemp(prefix="aviso-mtls-"))
    for name, data in (("server.pem", server_cert), ("server.key", server_key),
                       ("clients.pem", CLIENT_CERT.encode())):  # fmt: skip
        (folder / name).write_bytes(data)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(folder / "clients.pem")
    server = HttpTarget(ssl_context=context)
    yield server
    server.stop()


class TestHttpClientCertificate:
    def test_the_certificate_opens_the_connection(self, mutual):
        conf = {"url": mutual.url + "/", "verify_tls": False, "client_cert_pem": CLIENT_CERT,
                "client_key_pem": CLIENT_KEY}  # fmt: skip
        outcome = check("http", conf)
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "HTTP 200")

    def test_without_it_the_server_refuses(self, mutual):
        outcome = check("http", {"url": mutual.url + "/", "verify_tls": False})
        assert outcome.status == CheckStatus.DOWN

    def test_another_certificate_is_refused(self, mutual):
        conf = {"url": mutual.url + "/", "verify_tls": False, "client_cert_pem": OTHER_CERT,
                "client_key_pem": OTHER_KEY}  # fmt: skip
        assert check("http", conf).status == CheckStatus.DOWN

    def test_bad_pem_is_named_without_quoting_it(self):
        cases = [
            ({"client_cert_pem": CLIENT_CERT},
             "a client certificate needs its key, and a key its certificate"),
            ({"client_cert_pem": "not a cert", "client_key_pem": CLIENT_KEY},
             "client_cert_pem is not a PEM certificate"),
            ({"client_cert_pem": CLIENT_CERT, "client_key_pem": "secret-ish"},
             "client_key_pem is not an unencrypted PEM private key"),
            ({"client_cert_pem": CLIENT_CERT, "client_key_pem": OTHER_KEY},
             "the client key does not match the client certificate"),
        ]  # fmt: skip
        for extra, message in cases:
            with pytest.raises(ConfigError) as caught:
                parse_config("http", {"url": "https://127.0.0.1/", **extra})
            assert caught.value.errors == {"config": message}

    @pytest.mark.django_db
    def test_the_key_is_sealed_at_rest(self):
        config = {"url": "https://127.0.0.1/", "client_cert_pem": CLIENT_CERT,
                  "client_key_pem": CLIENT_KEY}  # fmt: skip
        monitor = lifecycle.create_monitor(actor=SYSTEM, name="mtls", kind="http", config=config)
        stored = Monitor.objects.get(pk=monitor.pk).config
        assert is_sealed(stored["client_key_pem"])
        assert stored["client_cert_pem"] == CLIENT_CERT
        assert monitor.typed_config.client_cert() == (CLIENT_CERT, CLIENT_KEY)
