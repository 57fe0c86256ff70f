"""An incident's postmortem: draft, publish, revert (Statuspage's ``/postmortem`` paths).

Aviso keeps one text per postmortem: Statuspage's ``body_draft`` is it, and
publishing shows it. Deleting a postmortem is not offered (revert hides it).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from aviso.api.choices import TokenScope
from aviso.api.statuspage import timestamp
from aviso.api.v1.http import (
    V1Error,
    actor,
    body,
    boolean,
    not_found,
    ok,
    page_of,
    resource,
    string,
)
from aviso.api.v1.incidents import find
from aviso.status import lifecycle
from aviso.status.models import Incident, Page, Postmortem

READ, WRITE = TokenScope.READ, TokenScope.WRITE


def postmortem_object(postmortem: Postmortem, page: Page) -> dict:
    zone = page.zone
    return {
        "preview_key": None,
        "body": postmortem.body if postmortem.is_published else None,
        "body_draft": postmortem.body,
        "body_updated_at": timestamp(postmortem.updated_at, zone),
        "published_at": timestamp(postmortem.published_at, zone),
        "notify_subscribers": postmortem.notify_subscribers,
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": timestamp(postmortem.created_at, zone),
        "updated_at": timestamp(postmortem.updated_at, zone),
    }


def _incident(page: Page, incident_id: str) -> Incident:
    item = find(page, incident_id)
    if not isinstance(item, Incident):
        raise V1Error(422, "A maintenance has no postmortem.")
    return item


def _existing(incident: Incident) -> Postmortem:
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is None:
        raise not_found("postmortem")
    return postmortem


def get_postmortem(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(postmortem_object(_existing(_incident(page, incident_id)), page))


def save_postmortem(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    incident = _incident(page, incident_id)
    data = body(request).get("postmortem")
    if not isinstance(data, dict) or not string(data, "body_draft"):
        raise V1Error(400, "param is missing or the value is empty: postmortem[body_draft]")
    postmortem = lifecycle.save_postmortem(incident, actor=actor(request), body=data["body_draft"])
    return ok(postmortem_object(postmortem, page))


def publish(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    incident = _incident(page, incident_id)
    _existing(incident)
    data = body(request).get("postmortem") or {}
    if not isinstance(data, dict):
        raise V1Error(400, "postmortem must be an object.")
    notify = boolean(data, "notify_subscribers")
    postmortem = lifecycle.publish_postmortem(incident, actor=actor(request), notify=notify)
    return ok(postmortem_object(postmortem, page))


def revert(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    page = page_of(page_id)
    incident = _incident(page, incident_id)
    _existing(incident)
    postmortem = lifecycle.unpublish_postmortem(incident, actor=actor(request))
    return ok(postmortem_object(postmortem, page))


def delete(request: HttpRequest, page_id: str, incident_id: str) -> HttpResponse:
    raise V1Error(501, "Aviso does not support deleting a postmortem; revert unpublishes it.")


postmortem = resource(
    {"GET": (READ, get_postmortem), "PUT": (WRITE, save_postmortem), "DELETE": (WRITE, delete)}
)
postmortem_publish = resource({"PUT": (WRITE, publish)})
postmortem_revert = resource({"PUT": (WRITE, revert)})
