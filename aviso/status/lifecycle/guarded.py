"""Incident changes that refuse a stale form: the caller says which version it saw.

``edit_update``, ``delete_update`` and the postmortem functions take no
``expected_version`` themselves; these wrappers lock the incident, compare its
version and then call them, all in one transaction, so a form opened before
someone else resolved or edited the incident gets a ConflictError instead of
silently overwriting the newer state.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.incidents import _lock, delete_update, edit_update
from aviso.status.lifecycle.postmortems import (
    publish_postmortem,
    save_postmortem,
    unpublish_postmortem,
)
from aviso.status.models import Incident, IncidentUpdate, Postmortem


@transaction.atomic
def edit_update_at_version(
    update: IncidentUpdate,
    *,
    actor: Actor,
    body: str,
    expected_version: int,
    bodies: dict[str, str] | None = None,
    display_at: dt.datetime | None = None,
) -> IncidentUpdate:
    _lock(update.incident, expected_version)
    return edit_update(update, actor=actor, body=body, bodies=bodies, display_at=display_at)


@transaction.atomic
def delete_update_at_version(
    update: IncidentUpdate, *, actor: Actor, expected_version: int
) -> None:
    _lock(update.incident, expected_version)
    delete_update(update, actor=actor)


@transaction.atomic
def save_postmortem_at_version(
    incident: Incident,
    *,
    actor: Actor,
    body: str,
    expected_version: int,
    publish: bool = False,
    notify: bool = True,
) -> Postmortem:
    """Save the draft (and publish it when asked) if nobody changed the incident meanwhile."""
    _lock(incident, expected_version)
    postmortem = save_postmortem(incident, actor=actor, body=body, notify=notify)
    if publish:
        postmortem = publish_postmortem(incident, actor=actor, notify=notify)
    return postmortem


@transaction.atomic
def unpublish_postmortem_at_version(
    incident: Incident, *, actor: Actor, expected_version: int
) -> Postmortem:
    _lock(incident, expected_version)
    if not Postmortem.objects.filter(incident=incident, published_at__isnull=False).exists():
        raise LifecycleError(_("This postmortem is not published."))
    return unpublish_postmortem(incident, actor=actor)
