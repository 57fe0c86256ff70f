"""Running the worker's units the way ``aviso worker`` does, one turn at a time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery, Subscriber
from aviso.notify.sending import send_due
from aviso.notify.subscriptions import add_confirmed, subscribe_webhook, welcome_answered
from aviso.status.worker import process_events
from aviso.testing import SYSTEM


def drain(now: dt.datetime | None = None, turns: int = 20) -> int:
    """Handle events, then send until nothing is due (at ``now``). Returns the turns used."""
    for turn in range(turns):
        did = process_events("test-worker")
        did = send_due("test-worker", now) or did
        if not did:
            return turn
    raise AssertionError("the worker still had work after all turns")


def subscribers(page, count: int, kind: str = "email", language: str = "en") -> list[Subscriber]:
    return [
        add_confirmed(page, kind, f"person{i}@example.org", language=language, actor=SYSTEM)
        for i in range(count)
    ]


def confirmed_webhook(page, url: str) -> Subscriber:
    """A webhook subscriber whose welcome ping (with its secret) was already answered."""
    subscriber = subscribe_webhook(page, url, actor=SYSTEM)
    welcome = subscriber.deliveries.get()
    now = timezone.now()
    Delivery.objects.filter(pk=welcome.pk).update(state=DeliveryState.SENT, sent_at=now)
    welcome_answered([welcome.pk], now)
    subscriber.refresh_from_db()
    return subscriber
