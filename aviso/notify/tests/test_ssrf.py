"""Public webhook targets cannot reach private, loopback or link-local addresses."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from aviso.lib import netguard
from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery, Subscriber
from aviso.notify.subscriptions import subscribe_webhook
from aviso.notify.tests.helpers import drain
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

BLOCKED = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "0.0.0.0"]  # noqa: S104 - addresses to refuse


@pytest.fixture
def guarded(settings):
    settings.NOTIFY_ALLOW_PRIVATE = False
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1


def fake_dns(monkeypatch, names: dict[str, str]):
    """Answer for these host names only; everything else goes to the real resolver."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], int(port or 0)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class TestSubscribeGuard:
    @pytest.mark.parametrize("host", BLOCKED)
    def test_it_refuses_private_addresses(self, guarded, host):
        page = make_page()
        with pytest.raises(ValidationError) as error:
            subscribe_webhook(page, f"http://{host}:8080/hook", actor=SYSTEM)
        assert "private, loopback or link-local" in str(error.value) or (
            "cloud metadata address" in str(error.value)
        )
        assert Subscriber.objects.count() == 0

    @pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254"])
    def test_it_refuses_a_host_name_resolving_to_them(self, guarded, monkeypatch, address):
        fake_dns(monkeypatch, {"hooks.example.net": address})
        with pytest.raises(ValidationError) as error:
            subscribe_webhook(make_page(), "https://hooks.example.net/aviso", actor=SYSTEM)
        assert address in str(error.value)

    def test_it_accepts_a_public_address(self, guarded, monkeypatch):
        fake_dns(monkeypatch, {"hooks.example.net": "93.184.215.14"})
        subscriber = subscribe_webhook(make_page(), "https://hooks.example.net/aviso", actor=SYSTEM)
        assert subscriber.confirmed_at is None

    @pytest.mark.parametrize("url", ["ftp://example.com/x", "http:///nohost", "javascript:x"])
    def test_it_explains_malformed_urls(self, guarded, url):
        with pytest.raises(ValidationError):
            subscribe_webhook(make_page(), url, actor=SYSTEM)

    def test_it_allows_private_targets_when_the_setting_says_so(self, settings):
        settings.NOTIFY_ALLOW_PRIVATE = True
        assert subscribe_webhook(make_page(), "http://10.0.0.1/hook", actor=SYSTEM) is not None


class TestSendGuard:
    """Checked again at connect time, after DNS: a name may change its answer (rebinding)."""

    def test_it_refuses_at_send_time_and_never_connects(self, receiver, monkeypatch, settings):
        # The receiver fixture allows private targets; this test turns it off again.
        settings.NOTIFY_ALLOW_PRIVATE = False
        fake_dns(monkeypatch, {"rebound.example.net": "127.0.0.1"})
        page = make_page()
        api = make_component(page)
        for url in (receiver.url("ok"), f"http://rebound.example.net:{receiver.port}/ok"):
            Subscriber.objects.create(
                page=page, kind="webhook", address=url, confirmed_at=page.created_at
            )
        lifecycle.create_incident(page, actor=SYSTEM, name="Down", components={api: "major_outage"})
        drain()
        deliveries = Delivery.objects.all()
        assert [d.state for d in deliveries] == [DeliveryState.DEAD, DeliveryState.DEAD]
        assert all(d.last_error.startswith("refused:") for d in deliveries)
        assert receiver.requests == []


class TestIsPublic:
    def test_it_sorts_addresses(self):
        assert netguard.is_public("93.184.215.14")
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "224.0.0.1",
        ]:
            assert not netguard.is_public(address), address
