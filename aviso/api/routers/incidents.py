"""Incidents, their updates and their postmortems."""

# No `from __future__ import annotations`: django-ninja reads these signatures at
# import time and must see real types inside list[...] and unions.

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from aviso.api import auth
from aviso.api.common import Pagination, errors, get_by_code, get_page, idempotent
from aviso.api.errors import ApiError
from aviso.api.schemas import (
    IncidentIn,
    IncidentOut,
    PostmortemIn,
    PostmortemOut,
    UpdateEdit,
    UpdateIn,
    UpdateOut,
    When,
)
from aviso.status import lifecycle
from aviso.status.choices import IncidentStatus
from aviso.status.models import Incident, IncidentComponent, IncidentUpdate, Page, Postmortem

router = Router(tags=["incidents"])


def _incidents(page: Page):
    return (
        Incident.objects.filter(page=page)
        .select_related("postmortem")
        .prefetch_related(
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-id")),
            Prefetch("affected", queryset=IncidentComponent.objects.select_related("component")),
        )
    )


def _get(page: str, code: str) -> Incident:
    return get_by_code(_incidents(get_page(page)), code, "incident")


def _fresh(incident: Incident) -> Incident:
    return _incidents(incident.page).get(pk=incident.pk)


@router.get("/{page}/incidents", response={200: list[IncidentOut], **errors()}, auth=auth.READ)
@paginate(Pagination)
def list_incidents(
    request: HttpRequest,
    page: str,
    status: list[IncidentStatus] | None = Query(None),  # noqa: B008
    open: bool | None = Query(None, description="Only open (or only resolved) incidents."),  # noqa: B008
    since: When | None = Query(None, description="Started at or after."),  # noqa: B008
    until: When | None = Query(None, description="Started before."),  # noqa: B008
):
    incidents = _incidents(get_page(page)).order_by("-started_at", "-id")
    if status:
        incidents = incidents.filter(status__in=status)
    if open is not None:
        lookup = {"status__in": IncidentStatus.open_values()}
        incidents = incidents.filter(**lookup) if open else incidents.exclude(**lookup)
    if since is not None:
        incidents = incidents.filter(started_at__gte=since)
    if until is not None:
        incidents = incidents.filter(started_at__lt=until)
    return incidents


@router.post("/{page}/incidents", response={201: IncidentOut, **errors()}, auth=auth.WRITE)
@decorate_view(idempotent)
def create_incident(request: HttpRequest, page: str, payload: IncidentIn):
    fields = payload.dict()
    fields["impact"] = fields["impact"] or None
    incident = lifecycle.create_incident(get_page(page), actor=auth.actor(request), **fields)
    return 201, _fresh(incident)


@router.get("/{page}/incidents/{code}", response={200: IncidentOut, **errors()}, auth=auth.READ)
def get_incident(request: HttpRequest, page: str, code: str):
    return _get(page, code)


@router.delete("/{page}/incidents/{code}", response={204: None, **errors()}, auth=auth.WRITE)
def delete_incident(request: HttpRequest, page: str, code: str):
    lifecycle.delete_incident(_get(page, code), actor=auth.actor(request))
    return 204, None


# Updates


@router.get(
    "/{page}/incidents/{code}/updates",
    response={200: list[UpdateOut], **errors()},
    auth=auth.READ,
)
def list_updates(request: HttpRequest, page: str, code: str):
    return list(_get(page, code).updates.all())


@router.post(
    "/{page}/incidents/{code}/updates",
    response={201: UpdateOut, **errors(409)},
    auth=auth.WRITE,
)
@decorate_view(idempotent)
def post_update(request: HttpRequest, page: str, code: str, payload: UpdateIn):
    fields = payload.dict()
    fields["impact"] = fields["impact"] or None
    return 201, lifecycle.post_update(_get(page, code), actor=auth.actor(request), **fields)


def _update(page: str, code: str, update: str) -> IncidentUpdate:
    return get_by_code(_get(page, code).updates.all(), update, "update")


@router.patch(
    "/{page}/incidents/{code}/updates/{update}",
    response={200: UpdateOut, **errors()},
    auth=auth.WRITE,
)
def edit_update(request: HttpRequest, page: str, code: str, update: str, payload: UpdateEdit):
    return lifecycle.edit_update(
        _update(page, code, update), actor=auth.actor(request), **payload.dict()
    )


@router.delete(
    "/{page}/incidents/{code}/updates/{update}",
    response={204: None, **errors()},
    auth=auth.WRITE,
)
def delete_update(request: HttpRequest, page: str, code: str, update: str):
    lifecycle.delete_update(_update(page, code, update), actor=auth.actor(request))
    return 204, None


# Postmortems


def _postmortem(incident: Incident) -> Postmortem:
    postmortem = getattr(incident, "postmortem", None)
    if postmortem is None:
        raise ApiError(404, "This incident has no postmortem yet; PUT one first.")
    return postmortem


@router.get(
    "/{page}/incidents/{code}/postmortem",
    response={200: PostmortemOut, **errors()},
    auth=auth.READ,
)
def get_postmortem(request: HttpRequest, page: str, code: str):
    return _postmortem(_get(page, code))


@router.put(
    "/{page}/incidents/{code}/postmortem",
    response={200: PostmortemOut, **errors()},
    auth=auth.WRITE,
)
def save_postmortem(request: HttpRequest, page: str, code: str, payload: PostmortemIn):
    return lifecycle.save_postmortem(_get(page, code), actor=auth.actor(request), **payload.dict())


@router.post(
    "/{page}/incidents/{code}/postmortem/publish",
    response={200: PostmortemOut, **errors()},
    auth=auth.WRITE,
)
def publish_postmortem(request: HttpRequest, page: str, code: str):
    incident = _get(page, code)
    _postmortem(incident)
    return lifecycle.publish_postmortem(incident, actor=auth.actor(request))


@router.post(
    "/{page}/incidents/{code}/postmortem/unpublish",
    response={200: PostmortemOut, **errors()},
    auth=auth.WRITE,
)
def unpublish_postmortem(request: HttpRequest, page: str, code: str):
    incident = _get(page, code)
    _postmortem(incident)
    return lifecycle.unpublish_postmortem(incident, actor=auth.actor(request))
