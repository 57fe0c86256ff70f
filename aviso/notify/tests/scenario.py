"""Data for tests and the benchmark that run ``aviso worker`` as a separate process.

Called in a child process with Django set up against a file database.
"""

from __future__ import annotations

from django.utils import timezone

from aviso.notify.models import Subscriber
from aviso.status import lifecycle
from aviso.status.models import Page

ACTOR = lifecycle.Actor.system("scenario")


def email_address(i: int) -> str:
    return f"subscriber{i}@example.org"


def populate(emails: int, webhook_urls: list[str] | None = None) -> Page:
    """A page with one component, ``emails`` email subscribers and the given webhooks."""
    page = lifecycle.create_page(actor=ACTOR, name="Fan-out", time_zone="UTC")
    lifecycle.create_component(page, actor=ACTOR, name="API")
    now = timezone.now()
    rows = [
        Subscriber(page=page, kind="email", address=email_address(i), confirmed_at=now)
        for i in range(emails)
    ]
    rows += [
        Subscriber(page=page, kind="webhook", address=url, confirmed_at=now)
        for url in webhook_urls or []
    ]
    Subscriber.objects.bulk_create(rows, batch_size=5000)
    return page


def declare(page: Page | None = None) -> None:
    page = page or Page.default()
    component = page.components.get()
    lifecycle.create_incident(
        page,
        actor=ACTOR,
        name="Elevated API errors",
        body="We are investigating elevated error rates on the API.",
        components={component: "major_outage"},
    )
