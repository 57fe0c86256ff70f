"""What subscribers hear of: maintenances (with a reminder), postmortems, confirmations."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from django.utils import timezone

from aviso.notify import signing
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.reminders import remind_maintenances
from aviso.notify.subscriptions import subscribe_email, subscribe_webhook
from aviso.notify.tests.helpers import drain, subscribers
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


def subjects(sink) -> list[str]:
    return [
        email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
        for _rcpts, raw in sink.messages
    ]


class TestMaintenanceNotices:
    def test_it_tells_of_scheduling_a_reminder_the_start_and_the_end(self, smtp):
        smtp.up()
        page = make_page()
        db = make_component(page, "Database")
        subscribers(page, 1)
        now = timezone.now()
        maintenance = lifecycle.schedule_maintenance(
            page,
            actor=SYSTEM,
            name="Database upgrade",
            scheduled_for=now + dt.timedelta(hours=3),
            scheduled_until=now + dt.timedelta(hours=4),
            components=[db],
        )
        drain()
        assert remind_maintenances(now=now) is False  # three hours ahead: too early
        later = now + dt.timedelta(hours=2, minutes=30)
        assert remind_maintenances(now=later) is True
        assert remind_maintenances(now=later + dt.timedelta(minutes=5)) is False  # once
        drain(now=later)
        lifecycle.start_maintenance(maintenance, actor=SYSTEM)
        lifecycle.complete_maintenance(maintenance, actor=SYSTEM)
        drain(now=later)
        assert subjects(smtp) == [
            "[Acme] Maintenance scheduled: Database upgrade",
            "[Acme] Maintenance reminder: Database upgrade",
            "[Acme] Maintenance in progress: Database upgrade",
            "[Acme] Maintenance completed: Database upgrade",
        ]
        reminder = email.message_from_bytes(smtp.messages[1][1], policy=email.policy.default)
        text = reminder.get_body(("plain",)).get_content()
        assert "Scheduled for:" in text
        assert f"/maintenances/{maintenance.code}" in text


class TestPostmortemNotice:
    def test_it_mails_the_published_postmortem(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page, "API")
        subscribers(page, 1)
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="Outage", components={api: "major_outage"}, notify=False
        )
        lifecycle.resolve_incident(incident, actor=SYSTEM, notify=False)
        lifecycle.save_postmortem(incident, actor=SYSTEM, body="## Root Cause\n\nA full disk.")
        lifecycle.publish_postmortem(incident, actor=SYSTEM)
        drain()
        assert subjects(smtp) == ["[Acme] Postmortem: Outage"]
        body = email.message_from_bytes(smtp.messages[0][1], policy=email.policy.default)
        assert "A full disk." in body.get_body(("plain",)).get_content()


class TestOptIn:
    def test_it_mails_a_confirmation_link_without_list_headers(self, smtp):
        smtp.up()
        page = make_page()
        subscribe_email(page, "Ana@Example.ORG", language="es", actor=SYSTEM)
        drain()
        [(rcpts, raw)] = smtp.messages
        assert rcpts == ["Ana@example.org"]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["Subject"] == "[Acme] Confirma tu suscripción"
        assert message["List-Unsubscribe"] is None
        token = Subscriber.objects.get().token
        assert f"/subscriptions/{token}/confirm" in message.get_body(("plain",)).get_content()

    def test_it_activates_a_webhook_when_the_welcome_ping_is_answered(self, receiver):
        page = make_page()
        good = subscribe_webhook(page, receiver.url("ok"), actor=SYSTEM)
        bad = subscribe_webhook(page, receiver.url("fail"), actor=SYSTEM)
        drain()
        good.refresh_from_db()
        bad.refresh_from_db()
        assert good.is_active
        assert not bad.is_active
        welcome = next(r for r in receiver.requests if r.path == "/ok")
        payload = welcome.json()
        assert payload["subscription"]["secret"] == good.signing_secret
        assert signing.verify(
            good.signing_secret, welcome.body, welcome.headers["X-Aviso-Signature"]
        )

    def test_it_hears_nothing_before_confirming(self, smtp):
        smtp.up()
        page = make_page()
        api = make_component(page)
        subscribe_email(page, "late@example.org", actor=SYSTEM)
        lifecycle.create_incident(page, actor=SYSTEM, name="Down", components={api: "major_outage"})
        drain()
        assert Notice.objects.filter(kind="incident").count() == 1
        assert Delivery.objects.filter(notice__kind="incident").count() == 0
