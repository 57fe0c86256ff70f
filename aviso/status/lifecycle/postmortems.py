"""Postmortems: drafted, published (shown above the updates) and unpublished."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from aviso.status.choices import EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.lifecycle.validation import clean_body
from aviso.status.models import Incident, Postmortem

# The seed's sections, in the seed's order.
SECTIONS = [
    "Incident Summary",
    "Impact",
    "Detection",
    "Response",
    "Root Cause",
    "Resolution",
    "Preventive Measures",
]


def template_body() -> str:
    return "\n\n".join(f"## {title}\n\n" for title in SECTIONS).rstrip() + "\n"


def _touch(incident: Incident, at: dt.datetime) -> None:
    incident.version += 1
    incident.updated_at = max(incident.updated_at, at)
    incident.save(update_fields=["version", "updated_at"])


@transaction.atomic
def save_postmortem(
    incident: Incident,
    *,
    actor: Actor,
    body: str,
    notify: bool = True,
    at: dt.datetime | None = None,
) -> Postmortem:
    body = clean_body(body, required=True)
    at = at or timezone.now()
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("page").get(pk=incident.pk)
    )
    postmortem = Postmortem.objects.filter(incident=incident).first()
    before = snapshot(postmortem, ["body", "published_at"])
    if postmortem is None:
        postmortem = Postmortem(incident=incident, created_at=at)
    postmortem.body = body
    postmortem.notify_subscribers = notify
    postmortem.updated_at = at
    postmortem.save()
    _touch(incident, at)
    # A published postmortem's edit changes the public page: the outbox hears of it.
    record(
        actor,
        "postmortem.save",
        incident,
        page=incident.page,
        before=before,
        after=snapshot(postmortem, ["body", "published_at"]),
        event=EventKind.INCIDENT_UPDATE_EDITED if postmortem.is_published else None,
        at=at,
        notify=False,
        incident=incident,
    )
    return postmortem


@transaction.atomic
def publish_postmortem(
    incident: Incident, *, actor: Actor, at: dt.datetime | None = None, notify: bool | None = None
) -> Postmortem:
    at = at or timezone.now()
    postmortem = (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("incident__page")
        .get(incident=incident)
    )
    before = snapshot(postmortem, ["published_at"])
    postmortem.published_at = at
    if notify is not None:
        postmortem.notify_subscribers = notify
    postmortem.updated_at = at
    postmortem.save()
    _touch(postmortem.incident, at)
    record(
        actor,
        "postmortem.publish",
        postmortem.incident,
        page=postmortem.incident.page,
        before=before,
        after=snapshot(postmortem, ["published_at"]),
        event=EventKind.POSTMORTEM_PUBLISHED,
        at=at,
        notify=postmortem.notify_subscribers,
        incident=postmortem.incident,
    )
    return postmortem


@transaction.atomic
def unpublish_postmortem(incident: Incident, *, actor: Actor) -> Postmortem:
    at = timezone.now()
    postmortem = (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("incident__page")
        .get(incident=incident)
    )
    before = snapshot(postmortem, ["published_at"])
    postmortem.published_at = None
    postmortem.updated_at = at
    postmortem.save()
    _touch(postmortem.incident, at)
    record(
        actor,
        "postmortem.unpublish",
        postmortem.incident,
        page=postmortem.incident.page,
        before=before,
        after=snapshot(postmortem, ["published_at"]),
        event=EventKind.POSTMORTEM_UNPUBLISHED,
        at=at,
        notify=False,
        incident=postmortem.incident,
    )
    return postmortem
