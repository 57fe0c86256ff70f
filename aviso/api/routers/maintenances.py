"""Scheduled maintenances: planned, started, verified, completed or cancelled."""

# No `from __future__ import annotations`: django-ninja reads these signatures at
# import time and must see real types inside list[...] and unions.

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from aviso.api import auth
from aviso.api.common import Pagination, errors, get_by_code, get_page, idempotent
from aviso.api.schemas import (
    MaintenanceIn,
    MaintenanceOut,
    MaintenancePatch,
    MaintenanceUpdateIn,
    When,
)
from aviso.status import lifecycle
from aviso.status.choices import MaintenanceStatus
from aviso.status.models import Component, Maintenance, MaintenanceUpdate, Page

router = Router(tags=["maintenances"])

# What posting each status does.
TRANSITIONS = {
    MaintenanceStatus.IN_PROGRESS: lifecycle.start_maintenance,
    MaintenanceStatus.COMPLETED: lifecycle.complete_maintenance,
    MaintenanceStatus.CANCELLED: lifecycle.cancel_maintenance,
}


def _maintenances(page: Page):
    return Maintenance.objects.filter(page=page).prefetch_related(
        Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
        Prefetch("components", queryset=Component.objects.only("id", "code")),
    )


def _get(page: str, code: str) -> Maintenance:
    return get_by_code(_maintenances(get_page(page)), code, "maintenance")


def _fresh(maintenance: Maintenance) -> Maintenance:
    return _maintenances(maintenance.page).get(pk=maintenance.pk)


@router.get(
    "/{page}/maintenances", response={200: list[MaintenanceOut], **errors()}, auth=auth.READ
)
@paginate(Pagination)
def list_maintenances(
    request: HttpRequest,
    page: str,
    status: list[MaintenanceStatus] | None = Query(None),  # noqa: B008
    since: When | None = Query(None, description="Scheduled to start at or after."),  # noqa: B008
    until: When | None = Query(None, description="Scheduled to start before."),  # noqa: B008
):
    maintenances = _maintenances(get_page(page)).order_by("-scheduled_for", "-id")
    if status:
        maintenances = maintenances.filter(status__in=status)
    if since is not None:
        maintenances = maintenances.filter(scheduled_for__gte=since)
    if until is not None:
        maintenances = maintenances.filter(scheduled_for__lt=until)
    return maintenances


@router.post("/{page}/maintenances", response={201: MaintenanceOut, **errors()}, auth=auth.WRITE)
@decorate_view(idempotent)
def schedule_maintenance(request: HttpRequest, page: str, payload: MaintenanceIn):
    maintenance = lifecycle.schedule_maintenance(
        get_page(page), actor=auth.actor(request), **payload.dict()
    )
    return 201, _fresh(maintenance)


@router.get(
    "/{page}/maintenances/{code}", response={200: MaintenanceOut, **errors()}, auth=auth.READ
)
def get_maintenance(request: HttpRequest, page: str, code: str):
    return _get(page, code)


@router.patch(
    "/{page}/maintenances/{code}",
    response={200: MaintenanceOut, **errors(409)},
    auth=auth.WRITE,
)
def update_maintenance(request: HttpRequest, page: str, code: str, payload: MaintenancePatch):
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    maintenance = lifecycle.update_maintenance(
        _get(page, code), actor=auth.actor(request), **fields
    )
    return _fresh(maintenance)


@router.post(
    "/{page}/maintenances/{code}/updates",
    response={201: MaintenanceOut, **errors(409)},
    auth=auth.WRITE,
)
@decorate_view(idempotent)
def post_maintenance_update(
    request: HttpRequest, page: str, code: str, payload: MaintenanceUpdateIn
):
    fields = payload.dict()
    status = MaintenanceStatus(fields.pop("status"))
    maintenance = _get(page, code)
    if status in TRANSITIONS:
        maintenance = TRANSITIONS[status](maintenance, actor=auth.actor(request), **fields)
    else:
        maintenance = lifecycle.post_maintenance_update(
            maintenance, actor=auth.actor(request), status=status, **fields
        )
    return 201, _fresh(maintenance)
