"""Scheduled maintenance: plan (times in the page's zone), edit, start, complete, cancel.

Starting and completing at the planned times is the worker's job
(``aviso.status.scheduler``); these buttons are for doing it by hand.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aviso.console.forms import (
    MaintenanceActionForm,
    MaintenanceForm,
    add_lifecycle_errors,
    show_current_version,
)
from aviso.console.roles import Role, console_view, has_role
from aviso.console.views.common import actor, with_page
from aviso.lib.languages import page_languages
from aviso.status import lifecycle
from aviso.status.choices import MaintenanceStatus
from aviso.status.models import Component, Maintenance, Page


def _components(page: Page) -> list[Component]:
    return list(Component.objects.filter(page=page).select_related("group"))


def _maintenance(page: Page, code: str) -> Maintenance:
    return get_object_or_404(Maintenance.objects.select_related("page"), page=page, code=code)


@console_view(Role.VIEWER)
@require_safe
@with_page
def maintenance_list(request: HttpRequest, page: Page) -> HttpResponse:
    maintenances = Maintenance.objects.filter(page=page).prefetch_related("components")
    return render(
        request,
        "console/maintenance_list.html",
        {
            "page": page,
            "upcoming": maintenances.filter(
                status__in=[MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()]
            ).order_by("scheduled_for"),
            "past": maintenances.filter(status__in=MaintenanceStatus.finished_values())[:50],
            "can_edit": has_role(request.user, Role.RESPONDER),
        },
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def schedule(request: HttpRequest, page: Page) -> HttpResponse:
    form = MaintenanceForm(
        request.POST or None, components=_components(page), languages=page_languages(page.languages)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                maintenance = lifecycle.schedule_maintenance(
                    page,
                    actor=actor(request),
                    name=cd["name"],
                    scheduled_for=cd["scheduled_for"],
                    scheduled_until=cd["scheduled_until"],
                    body=cd["body"],
                    bodies=form.translations(),
                    components=cd["components"],
                    auto_start=cd["auto_start"],
                    auto_complete=cd["auto_complete"],
                    notify=cd["notify"],
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
            else:
                messages.success(request, _("Maintenance scheduled."))
                return redirect("console:maintenance", maintenance=maintenance.code)
    return render(
        request,
        "console/maintenance_form.html",
        {"page": page, "form": form, "maintenance": None},
        status=status,
    )


@console_view(Role.VIEWER)
@require_safe
@with_page
def maintenance_detail(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    obj = _maintenance(page, maintenance)
    return render(
        request,
        "console/maintenance.html",
        {
            "page": page,
            "maintenance": obj,
            "can_edit": has_role(request.user, Role.RESPONDER),
            "action_form": MaintenanceActionForm(
                initial={"version": obj.version}, languages=page_languages(page.languages)
            ),
            "updates": obj.updates.order_by("-display_at", "-id"),
        },
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def edit(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    obj = _maintenance(page, maintenance)
    form = MaintenanceForm(
        request.POST or None,
        components=_components(page),
        editing=True,
        initial={
            "name": obj.name,
            "scheduled_for": obj.scheduled_for,
            "scheduled_until": obj.scheduled_until,
            "components": [c.code for c in obj.components.all()],
            "auto_start": obj.auto_start,
            "auto_complete": obj.auto_complete,
            "version": obj.version,
        },
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                lifecycle.update_maintenance(
                    obj,
                    actor=actor(request),
                    name=cd["name"],
                    scheduled_for=cd["scheduled_for"],
                    scheduled_until=cd["scheduled_until"],
                    components=cd["components"],
                    auto_start=cd["auto_start"],
                    auto_complete=cd["auto_complete"],
                    expected_version=cd["version"],
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
                if isinstance(error, lifecycle.ConflictError):
                    status = 409
                    obj.refresh_from_db()
                    show_current_version(form, obj.version)
            else:
                messages.success(request, _("Maintenance changed."))
                return redirect("console:maintenance", maintenance=obj.code)
    return render(
        request,
        "console/maintenance_form.html",
        {"page": page, "form": form, "maintenance": obj},
        status=status,
    )


def _transition(request: HttpRequest, page: Page, code: str, function, done: str):
    obj = _maintenance(page, code)
    form = MaintenanceActionForm(request.POST, languages=page_languages(page.languages))
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload and try again."))
        return redirect("console:maintenance", maintenance=obj.code)
    cd = form.cleaned_data
    try:
        function(
            obj,
            actor=actor(request),
            body=cd["body"],
            bodies=form.translations(),
            notify=cd["notify"],
            expected_version=cd["version"],
        )
    except lifecycle.LifecycleError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, done)
    return redirect("console:maintenance", maintenance=obj.code)


@console_view(Role.RESPONDER)
@require_POST
@with_page
def start(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    return _transition(
        request, page, maintenance, lifecycle.start_maintenance, _("Maintenance started.")
    )


@console_view(Role.RESPONDER)
@require_POST
@with_page
def verify(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    """Statuspage's "Verifying": the work is done, checks are under way."""

    def to_verifying(obj, **kwargs):
        return lifecycle.post_maintenance_update(obj, status=MaintenanceStatus.VERIFYING, **kwargs)

    return _transition(request, page, maintenance, to_verifying, _("Maintenance is verifying."))


@console_view(Role.RESPONDER)
@require_POST
@with_page
def complete(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    return _transition(
        request, page, maintenance, lifecycle.complete_maintenance, _("Maintenance completed.")
    )


@console_view(Role.RESPONDER)
@require_POST
@with_page
def cancel(request: HttpRequest, page: Page, maintenance: str) -> HttpResponse:
    return _transition(
        request, page, maintenance, lifecycle.cancel_maintenance, _("Maintenance cancelled.")
    )
