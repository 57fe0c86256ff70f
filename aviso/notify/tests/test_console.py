"""Console screens: channels with "send test", subscribers, deliveries with retry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aviso.notify import urls as notify_urls
from aviso.notify.choices import DeliveryState
from aviso.notify.models import Channel, Delivery
from aviso.notify.tests.helpers import drain
from aviso.testing import make_page, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(make_user("admin", superuser=True))
    return client


class TestChannels:
    def test_it_keeps_people_without_the_role_out(self, client):
        assert client.get("/console/notify/channels/").status_code == 302
        client.force_login(make_user("nobody"))
        assert client.get("/console/notify/deliveries/").status_code == 403
        client.force_login(make_person("watcher", "viewer"))
        assert client.get("/console/notify/deliveries/").status_code == 403
        client.force_login(make_person("oncall", "responder"))
        assert client.get("/console/notify/deliveries/").status_code == 200
        assert client.get("/console/notify/channels/").status_code == 403

    def test_it_adds_a_slack_channel_and_sends_a_test(self, staff, receiver):
        make_page()
        response = staff.post(
            "/console/notify/channels/",
            {
                "name": "#ops",
                "kind": "slack",
                "url": receiver.url("slack/T1/B1/x"),
                "alert_kinds": ["incident_opened"],
                "actor_kinds": ["automation"],
                "enabled": "on",
            },
        )
        assert response.status_code == 302
        channel = Channel.objects.get()
        assert channel.alert_kinds == ["incident_opened"]
        response = staff.post(f"/console/notify/channels/{channel.code}/test")
        assert response.status_code == 302
        drain()
        assert Delivery.objects.get().state == DeliveryState.SENT
        assert "Test alert from Aviso" in receiver.requests[0].json()["text"]
        listing = staff.get("/console/notify/deliveries/")
        assert b"Sent" in listing.content

    def test_it_explains_a_bad_url(self, staff):
        response = staff.post(
            "/console/notify/channels/",
            {"name": "bad", "kind": "slack", "url": "not a url", "enabled": "on"},
        )
        assert response.status_code == 400
        assert b"not a url" in response.content
        assert Channel.objects.count() == 0

    def test_it_refuses_an_apprise_url_apprise_does_not_know(self, staff):
        response = staff.post(
            "/console/notify/channels/",
            {"name": "x", "kind": "apprise", "url": "nosuchscheme://x", "enabled": "on"},
        )
        assert response.status_code == 400
        assert b"Apprise does not recognise" in response.content


class TestDeliveries:
    def test_it_shows_a_dead_delivery_and_retries_it(self, staff, receiver, settings):
        settings.NOTIFY_MAX_ATTEMPTS = 1
        make_page()
        staff.post(
            "/console/notify/channels/",
            {"name": "broken", "kind": "webhook", "url": receiver.url("fail"), "enabled": "on"},
        )
        channel = Channel.objects.get()
        staff.post(f"/console/notify/channels/{channel.code}/test")
        drain()
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.DEAD
        page = staff.get("/console/notify/deliveries/?state=dead")
        assert b"HTTP 500: boom" in page.content
        assert b"Retry" in page.content
        staff.post(
            f"/console/notify/deliveries/{delivery.pk}/retry", {"next": "https://evil.test/"}
        )
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.attempts == 0
        drain()
        assert receiver.paths()["/fail"] == 2

    def test_it_lists_and_adds_subscribers(self, staff):
        page = make_page()
        response = staff.post(
            "/console/notify/subscribers/",
            {"page": page.pk, "kind": "email", "address": "Bo@Example.org", "language": "en"},
        )
        assert response.status_code == 302
        listing = staff.get("/console/notify/subscribers/?state=active")
        assert b"Bo@example.org" in listing.content
        bad = staff.post(
            "/console/notify/subscribers/",
            {"page": page.pk, "kind": "email", "address": "nope", "language": "en"},
        )
        assert bad.status_code == 400


class TestEveryConsoleRoute:
    """Every notify console route, read from the URL conf: viewers change nothing."""

    ROUTES = [p for p in notify_urls.urlpatterns if str(p.pattern).startswith("console/")]

    def _url(self, pattern) -> str:
        kwargs = {name: ("1" if name == "pk" else "abc") for name in pattern.pattern.converters}
        return reverse(f"notify:{pattern.name}", kwargs=kwargs)

    def test_there_are_routes_to_check(self):
        assert len(self.ROUTES) >= 7

    def test_a_viewer_and_anonymous_change_nothing(self, client):
        make_page()
        for pattern in self.ROUTES:
            url = self._url(pattern)
            assert client.post(url).status_code == 302, url
        client.force_login(make_person("watcher", "viewer"))
        for pattern in self.ROUTES:
            url = self._url(pattern)
            assert client.post(url).status_code == 403, url
