"""Deliveries against real local receivers: an SMTP sink and an HTTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from django.utils import timezone

from aviso.notify import signing
from aviso.notify.choices import DeliveryState, NoticeKind
from aviso.notify.fanout import handle_event
from aviso.notify.models import Delivery, Subscriber
from aviso.notify.sending import send_due
from aviso.notify.tests.helpers import confirmed_webhook, drain, subscribers
from aviso.status import lifecycle
from aviso.status.models import Event
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


def declare(page, component, **kwargs):
    return lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="API errors",
        body="We are looking into elevated error rates.",
        components={component: "major_outage"},
        **kwargs,
    )


class TestEmailDelivery:
    def test_it_sends_each_subscriber_exactly_one_mail_when_smtp_comes_back(self, smtp):
        page = make_page()
        api = make_component(page, "API")
        people = subscribers(page, 25)
        declare(page, api)
        start = timezone.now() + dt.timedelta(seconds=5)

        # The SMTP server is down when the incident is posted: every send fails, none is lost.
        drain(now=start)
        assert len(smtp) == 0
        pending = Delivery.objects.filter(state=DeliveryState.PENDING)
        assert pending.count() == 25
        assert set(pending.values_list("attempts", flat=True)) == {1}
        assert "SMTP connection" in pending.first().last_error
        assert all(d.next_attempt_at > start for d in pending)

        # Up two minutes later (the retry clock, not a sleep): each gets one mail.
        smtp.up()
        drain(now=start + dt.timedelta(minutes=2))
        assert smtp.per_recipient() == {p.address: 1 for p in people}
        assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 25

        # Running the fan-out and the sender again repeats nothing.
        handle_event(Event.objects.get(kind="incident.created"))
        drain(now=start + dt.timedelta(hours=1))
        assert Delivery.objects.count() == 25
        assert smtp.per_recipient() == {p.address: 1 for p in people}

    def test_it_stops_walking_the_queue_while_smtp_refuses_connections(self, smtp, settings):
        settings.NOTIFY_EMAIL_BATCH = 50
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 200)
        declare(page, api)
        from aviso.status.worker import process_events

        process_events("w")
        assert send_due("w") is True
        tried = Delivery.objects.filter(attempts=1).count()
        assert tried == 50
        assert Delivery.objects.filter(attempts=0, state=DeliveryState.PENDING).count() == 150

    def test_it_writes_plain_text_html_and_one_click_unsubscribe(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        [person] = subscribers(page, 1)
        incident = declare(page, api)
        drain()
        [(rcpts, raw)] = smtp.messages
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert rcpts == [person.address]
        assert message["Subject"] == "[Acme] Investigating: API errors"
        unsubscribe = f"https://status.example.com/subscriptions/{person.token}/unsubscribe"
        assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for body in (text, html):
            assert "API errors" in body
            assert "Major outage" in body
            assert f"https://status.example.com/incidents/{incident.code}" in body
            assert unsubscribe in body
            assert f"https://status.example.com/subscriptions/{person.token}/" in body

    def test_it_writes_to_spanish_subscribers_in_spanish(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 1, language="es")
        declare(page, api)
        drain()
        message = email.message_from_bytes(smtp.messages[0][1], policy=email.policy.default)
        assert message["Subject"] == "[Acme] Investigando: API errors"
        text = message.get_body(("plain",)).get_content()
        assert "Interrupción grave" in text
        assert "Cancelar la suscripción" in text

    def test_it_skips_who_unsubscribed_after_the_fan_out(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        first, second = subscribers(page, 2)
        declare(page, api)
        from aviso.status.worker import process_events

        process_events("w")
        Subscriber.objects.filter(pk=first.pk).update(unsubscribed_at=timezone.now())
        drain()
        assert smtp.per_recipient() == {second.address: 1}
        assert Delivery.objects.get(subscriber=first).state == DeliveryState.SKIPPED

    def test_it_sends_only_to_followers_of_an_affected_component(self, smtp):
        smtp.up()
        page = make_page()
        api, web = make_component(page, "API"), make_component(page, "Web")
        everything, api_only, web_only = subscribers(page, 3)
        api_only.all_components = web_only.all_components = False
        api_only.save()
        web_only.save()
        api_only.components.set([api])
        web_only.components.set([web])
        declare(page, api)
        drain()
        assert set(smtp.per_recipient()) == {everything.address, api_only.address}

    def test_it_marks_a_delivery_dead_after_the_last_try(self, smtp, settings):
        settings.NOTIFY_MAX_ATTEMPTS = 3
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 1)
        declare(page, api)
        now = timezone.now()
        for hours in range(4):
            drain(now=now + dt.timedelta(hours=hours))
        delivery = Delivery.objects.get()
        assert delivery.state == DeliveryState.DEAD
        assert delivery.attempts == 3

    def test_it_says_nothing_when_the_update_does_not_notify(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 3)
        declare(page, api, notify=False)
        drain()
        assert len(smtp) == 0
        assert Delivery.objects.count() == 0


class TestWebhookDelivery:
    def test_it_retries_failing_and_hanging_receivers_without_holding_the_others(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        paths = ["ok/1", "ok/2", "fail", "hang", "slow", "ok/3"]
        for path in paths:
            confirmed_webhook(page, receiver.url(path))
        declare(page, api)
        start = timezone.now() + dt.timedelta(seconds=5)
        drain(now=start)

        states = {
            d.subscriber.address.rsplit(":", 1)[1].split("/", 1)[1]: d
            for d in Delivery.objects.select_related("subscriber").exclude(
                notice__kind=NoticeKind.WEBHOOK_WELCOME
            )
        }
        assert {p for p, d in states.items() if d.state == DeliveryState.SENT} == {
            "ok/1",
            "ok/2",
            "ok/3",
            "slow",
        }
        assert states["fail"].last_error.startswith("HTTP 500")
        assert states["hang"].last_error == "no answer within 1 s"
        assert states["fail"].state == states["hang"].state == DeliveryState.PENDING
        # Everyone was reached at once: no receiver waited for the hanging one's timeout.
        first = min(r.at for r in receiver.requests)
        assert max(r.at for r in receiver.requests) - first < 1.0

        drain(now=start + dt.timedelta(minutes=2))
        assert receiver.paths()["/fail"] == 2
        assert receiver.paths()["/ok/1"] == 1

    def test_it_signs_the_statuspage_payload(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        subscriber = confirmed_webhook(page, receiver.url("ok"))
        incident = declare(page, api)
        drain()
        [request] = receiver.requests
        assert signing.verify(
            subscriber.signing_secret, request.body, request.headers["X-Aviso-Signature"]
        )
        assert not signing.verify("wrong", request.body, request.headers["X-Aviso-Signature"])
        payload = request.json()
        assert set(payload) == {"meta", "page", "incident"}
        assert payload["meta"]["unsubscribe"].endswith(
            f"/subscriptions/{subscriber.token}/unsubscribe"
        )
        assert payload["meta"]["documentation"] == "https://status.example.com/subscribe/webhooks"
        assert payload["page"] == {
            "id": page.code,
            "status_indicator": "critical",
            "status_description": "Major System Outage",
        }
        assert payload["incident"]["id"] == incident.code
        assert payload["incident"]["incident_updates"][0]["status"] == "investigating"
        assert payload["incident"]["components"][0]["status"] == "major_outage"
        assert request.headers["X-Aviso-Delivery"].startswith("e")

    def test_it_sends_component_updates_to_webhooks(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        confirmed_webhook(page, receiver.url("ok"))
        lifecycle.set_component_status(api, "degraded_performance", actor=SYSTEM)
        drain()
        payload = receiver.requests[0].json()
        assert payload["component_update"]["new_status"] == "degraded_performance"
        assert payload["component"]["id"] == api.code


class TestIdempotency:
    def test_it_never_duplicates_deliveries_when_the_handler_runs_again(self):
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 7)
        declare(page, api)
        event = Event.objects.get(kind="incident.created")
        handle_event(event)
        handle_event(event)
        assert Delivery.objects.count() == 7
        assert len(set(Delivery.objects.values_list("key", flat=True))) == 7

    def test_it_leaves_claimed_rows_to_their_worker(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 3)
        declare(page, api)
        from aviso.status.worker import process_events

        process_events("w")
        Delivery.objects.update(
            claimed_by="other", claimed_until=timezone.now() + dt.timedelta(minutes=5)
        )
        assert send_due("me") is False
        assert len(smtp) == 0


class TestConnections:
    def test_it_reuses_one_smtp_connection_per_lane_for_a_batch(self, smtp, settings):
        settings.NOTIFY_SMTP_CONNECTIONS = 2
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 120)
        declare(page, api)
        drain()
        assert len(smtp) == 120
        assert smtp.connections == 2

    def test_it_lets_two_workers_claim_disjoint_batches(self, settings):
        settings.NOTIFY_EMAIL_BATCH = 5
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 12)
        declare(page, api)
        from aviso.notify import conf
        from aviso.notify.sending import due
        from aviso.status.claims import claim
        from aviso.status.worker import process_events

        process_events("w")
        now = timezone.now()
        first = claim(due(["email"], now), worker="a", lease=conf.lease(), batch=5)
        second = claim(due(["email"], now), worker="b", lease=conf.lease(), batch=5)
        assert len(first) == len(second) == 5
        assert not {d.pk for d in first} & {d.pk for d in second}
