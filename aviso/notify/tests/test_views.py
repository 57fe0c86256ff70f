"""The public subscriber pages: double opt-in, one-click unsubscribe, nothing revealed."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from aviso.notify.choices import NoticeKind
from aviso.notify.models import Delivery, Subscriber
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def subscribe(client, address="ana@example.org", **extra):
    return client.post("/subscribe", {"kind": "email", "email": address, "language": "en", **extra})


def queued(kind):
    return Delivery.objects.filter(notice__kind=kind).count()


class TestSubscribe:
    def test_it_shows_the_form_without_script_in_fixed_queries(
        self, client, django_assert_max_num_queries
    ):
        page = make_page()
        for name in ("API", "Web", "Dashboard"):
            make_component(page, name)
        with django_assert_max_num_queries(3):
            response = client.get("/subscribe")
        assert response.status_code == 200
        assert b"<script" not in response.content
        assert b"Dashboard" in response.content

    def test_it_asks_for_confirmation_before_sending_anything(self, client):
        make_page()
        response = subscribe(client)
        assert response.status_code == 200
        subscriber = Subscriber.objects.get()
        assert subscriber.confirmed_at is None
        assert queued(NoticeKind.CONFIRM) == 1

    def test_it_answers_the_same_for_a_known_address(self, client):
        make_page()
        first = subscribe(client)
        Subscriber.objects.update(confirmed_at="2026-01-01T00:00:00Z")
        cache.clear()
        again = subscribe(client)
        assert again.status_code == first.status_code
        assert again.content == first.content
        # The owner, and only the owner, learns it was already subscribed.
        assert queued(NoticeKind.ALREADY_SUBSCRIBED) == 1

    def test_it_sends_no_more_than_one_confirmation_per_address_in_ten_minutes(self, client):
        make_page()
        for _ in range(3):
            assert subscribe(client).status_code == 200
        assert queued(NoticeKind.CONFIRM) == 1

    def test_it_rate_limits_a_client_address(self, client, settings):
        settings.NOTIFY_SUBSCRIBE_LIMIT = (3, 600)
        make_page()
        codes = [subscribe(client, f"p{i}@example.org").status_code for i in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert Subscriber.objects.count() == 3

    def test_it_returns_bad_input_with_what_was_typed(self, client):
        make_page()
        response = subscribe(client, "not-an-address")
        assert response.status_code == 400
        assert b"Enter a valid email address." in response.content
        assert b'value="not-an-address"' in response.content
        assert Subscriber.objects.count() == 0

    def test_it_keeps_the_chosen_components(self, client):
        page = make_page()
        api = make_component(page, "API")
        make_component(page, "Web")
        subscribe(client, components=[api.code])
        subscriber = Subscriber.objects.get()
        assert not subscriber.all_components
        assert list(subscriber.components.all()) == [api]

    def test_it_refuses_components_of_another_page(self, client):
        make_page()
        other = make_component(make_page("Other", slug="other"), "Elsewhere")
        response = subscribe(client, components=[other.code])
        assert response.status_code == 400


class TestConfirmAndLeave:
    def test_it_confirms_on_post_not_on_get(self, client):
        make_page()
        subscribe(client)
        subscriber = Subscriber.objects.get()
        url = f"/subscriptions/{subscriber.token}/confirm"
        assert client.get(url).status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.confirmed_at is None
        assert client.post(url).status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.is_active

    def test_it_unsubscribes_in_one_click_per_rfc_8058(self, client):
        make_page()
        subscribe(client)
        subscriber = Subscriber.objects.get()
        client.post(f"/subscriptions/{subscriber.token}/confirm")
        # A mail client posts this body, with no cookie and no CSRF token.
        csrf_client = client.__class__(enforce_csrf_checks=True)
        response = csrf_client.post(
            f"/subscriptions/{subscriber.token}/unsubscribe",
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.unsubscribed_at is not None

    def test_it_saves_language_and_components_on_the_manage_page(self, client):
        page = make_page(languages=["en", "es"])
        api = make_component(page, "API")
        subscribe(client)
        subscriber = Subscriber.objects.get()
        url = f"/subscriptions/{subscriber.token}/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"language": "es", "components": [api.code]})
        assert response.status_code == 200
        subscriber.refresh_from_db()
        assert subscriber.language == "es"
        assert list(subscriber.components.all()) == [api]
        assert client.post(url, {"language": "fr"}).status_code == 400

    def test_it_documents_webhook_verification(self, client):
        make_page()
        response = client.get("/subscribe/webhooks")
        assert response.status_code == 200
        assert b"X-Aviso-Signature" in response.content
        assert b"hmac.compare_digest" in response.content

    def test_it_answers_404_for_an_unknown_token(self, client):
        make_page()
        assert client.get("/subscriptions/nope/").status_code == 404
        assert client.post("/subscriptions/nope/unsubscribe").status_code == 404


class TestFromTheMail:
    def test_it_unsubscribes_with_the_url_in_the_mail_header(self, client, smtp):
        import email
        import email.policy

        from aviso.notify.tests.helpers import drain, subscribers
        from aviso.status import lifecycle
        from aviso.testing import SYSTEM

        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        [person] = subscribers(page, 1)
        lifecycle.create_incident(page, actor=SYSTEM, name="Down", components={api: "major_outage"})
        drain()
        mail = email.message_from_bytes(smtp.messages[0][1], policy=email.policy.default)
        url = mail["List-Unsubscribe"].strip("<>").removeprefix("https://status.example.com")
        response = client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        person.refresh_from_db()
        assert person.unsubscribed_at is not None

    def test_it_shows_the_manage_page_in_fixed_queries(self, client, django_assert_max_num_queries):
        page = make_page()
        for name in ("API", "Web", "Dashboard", "Search"):
            make_component(page, name)
        subscribe(client)
        subscriber = Subscriber.objects.get()
        with django_assert_max_num_queries(4):
            response = client.get(f"/subscriptions/{subscriber.token}/")
        assert response.status_code == 200
        assert b"<script" not in response.content
