"""Declare, update, resolve, reopen; edit and delete updates. All through the lifecycle."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aviso.console.forms import (
    DeclareForm,
    EditUpdateForm,
    UpdateForm,
    VersionForm,
    add_lifecycle_errors,
    show_current_version,
)
from aviso.console.models import IncidentTemplate
from aviso.console.roles import Role, console_view, has_role
from aviso.console.views.common import actor, preview_html, with_page
from aviso.lib.languages import page_languages
from aviso.status import lifecycle
from aviso.status.choices import IncidentStatus
from aviso.status.models import Component, Incident, IncidentUpdate, Page
from aviso.status.timeline import incident_timeline


def _components(page: Page) -> list[Component]:
    return list(Component.objects.filter(page=page).select_related("group"))


def _preview(request: HttpRequest, form) -> str | None:
    """The no-JavaScript preview: the form's "Preview" button re-renders with it."""
    if "preview" in request.POST:
        return preview_html(request.POST.get("body", ""))
    return None


@console_view(Role.VIEWER)
@require_safe
@with_page
def incident_list(request: HttpRequest, page: Page) -> HttpResponse:
    incidents = Incident.objects.filter(page=page).order_by("-started_at", "-id")
    paginator = Paginator(incidents, 50)
    return render(
        request,
        "console/incident_list.html",
        {
            "page": page,
            "page_obj": paginator.get_page(request.GET.get("p")),
            "can_edit": has_role(request.user, Role.RESPONDER),
        },
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def declare(request: HttpRequest, page: Page) -> HttpResponse:
    components = _components(page)
    templates = list(IncidentTemplate.objects.filter(page=page))
    initial, component_initial = {}, {}
    chosen = request.GET.get("template")
    if chosen and chosen.isdigit():
        template = next((t for t in templates if t.pk == int(chosen)), None)
        if template is not None:
            initial = {
                "title": template.title,
                "status": template.status,
                "impact": template.impact,
                "body": template.body,
            }
            component_initial = template.components
    data = request.POST if request.method == "POST" else None
    form = DeclareForm(
        data,
        initial=initial,
        components=components,
        component_initial=component_initial,
        languages=page_languages(page.languages),
    )
    preview, status = None, 200
    if data is not None:
        preview = _preview(request, form)
        if preview is None and form.is_valid():
            cd = form.cleaned_data
            try:
                incident = lifecycle.create_incident(
                    page,
                    actor=actor(request),
                    name=cd["title"],
                    status=cd["status"],
                    body=cd["body"],
                    bodies=form.translations(),
                    impact=cd["impact"] or None,
                    components=cd["components"],
                    notify=cd["notify"],
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
            else:
                messages.success(request, _("Incident declared."))
                return redirect("console:incident", incident=incident.code)
        status = 200 if preview is not None else 400
    return render(
        request,
        "console/declare.html",
        {"page": page, "form": form, "templates": templates, "preview": preview},
        status=status,
    )


def _detail(request: HttpRequest, page: Page, incident: Incident, form=None, status=200):
    can_edit = has_role(request.user, Role.RESPONDER)
    if form is None and can_edit:
        form = UpdateForm(
            initial={"status": incident.status, "version": incident.version},
            components=_components(page),
            languages=page_languages(page.languages),
        )
    return render(
        request,
        "console/incident.html",
        {
            "page": page,
            "incident": incident,
            "updates": incident.updates.select_related("author").order_by("-display_at", "-id"),
            "affected": incident.affected.select_related("component__group"),
            "timeline": incident_timeline(incident),
            "postmortem": getattr(incident, "postmortem", None),
            "form": form,
            "can_edit": can_edit,
            "preview": _preview(request, form) if request.method == "POST" else None,
        },
        status=status,
    )


def _incident(page: Page, code: str) -> Incident:
    return get_object_or_404(Incident.objects.select_related("page"), page=page, code=code)


@console_view(Role.VIEWER)
@require_safe
@with_page
def incident_detail(request: HttpRequest, page: Page, incident: str) -> HttpResponse:
    return _detail(request, page, _incident(page, incident))


@console_view(Role.RESPONDER)
@require_POST
@with_page
def post_update(request: HttpRequest, page: Page, incident: str) -> HttpResponse:
    """New status, body and component statuses in one step; resolve and reopen too."""
    obj = _incident(page, incident)
    form = UpdateForm(
        request.POST, components=_components(page), languages=page_languages(page.languages)
    )
    if "preview" in request.POST:
        return _detail(request, page, obj, form)
    if form.is_valid():
        cd = form.cleaned_data
        was_open = obj.is_open
        try:
            lifecycle.post_update(
                obj,
                actor=actor(request),
                status=cd["status"],
                body=cd["body"],
                bodies=form.translations(),
                components=cd["components"],
                notify=cd["notify"],
                expected_version=cd["version"],
            )
        except lifecycle.ConflictError as error:
            add_lifecycle_errors(form, error)
            obj.refresh_from_db()
            show_current_version(form, obj.version)
            return _detail(request, page, obj, form, status=409)
        except lifecycle.LifecycleError as error:
            add_lifecycle_errors(form, error)
        else:
            if cd["status"] == IncidentStatus.RESOLVED and was_open:
                messages.success(request, _("Incident resolved."))
            elif not was_open and cd["status"] != IncidentStatus.RESOLVED:
                messages.success(request, _("Incident reopened."))
            else:
                messages.success(request, _("Update posted."))
            return redirect("console:incident", incident=obj.code)
    return _detail(request, page, obj, form, status=400)


def _update(page: Page, incident: str, update: str) -> IncidentUpdate:
    return get_object_or_404(
        IncidentUpdate.objects.select_related("incident"),
        incident__page=page,
        incident__code=incident,
        code=update,
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def edit_update(request: HttpRequest, page: Page, incident: str, update: str) -> HttpResponse:
    obj = _update(page, incident, update)
    form = EditUpdateForm(
        request.POST or None,
        initial={"body": obj.body, "version": obj.incident.version},
        languages=page_languages(page.languages),
        bodies=obj.bodies,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lifecycle.edit_update_at_version(
                    obj,
                    actor=actor(request),
                    body=form.cleaned_data["body"],
                    bodies=form.translations(),
                    expected_version=form.cleaned_data["version"],
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
                status = 409 if isinstance(error, lifecycle.ConflictError) else 400
                obj.incident.refresh_from_db()
                show_current_version(form, obj.incident.version)
            else:
                messages.success(request, _("Update edited; the change is in the audit log."))
                return redirect("console:incident", incident=obj.incident.code)
    return render(
        request,
        "console/edit_update.html",
        {"page": page, "update": obj, "incident": obj.incident, "form": form},
        status=status,
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def delete_update(request: HttpRequest, page: Page, incident: str, update: str) -> HttpResponse:
    obj = _update(page, incident, update)
    form = VersionForm(request.POST or None, initial={"version": obj.incident.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lifecycle.delete_update_at_version(
                    obj, actor=actor(request), expected_version=form.cleaned_data["version"]
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
                status = 409 if isinstance(error, lifecycle.ConflictError) else 400
                obj.incident.refresh_from_db()
                show_current_version(form, obj.incident.version)
            else:
                messages.success(request, _("Update deleted; it is kept in the audit log."))
                return redirect("console:incident", incident=obj.incident.code)
    return render(
        request,
        "console/delete_update.html",
        {"page": page, "update": obj, "incident": obj.incident, "form": form},
        status=status,
    )


@console_view(Role.RESPONDER)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The live Markdown preview (htmx): the rendered HTML of one field, nothing stored."""
    field = request.POST.get("preview_field", "body")
    return HttpResponse(preview_html(request.POST.get(field, "")))


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@with_page
def delete_incident(request: HttpRequest, page: Page, incident: str) -> HttpResponse:
    """For a test or a mistake (admins): gone from the public page, kept in the audit log."""
    obj = _incident(page, incident)
    if request.method == "POST":
        lifecycle.delete_incident(obj, actor=actor(request))
        messages.success(request, _("Incident deleted; it is kept in the audit log."))
        return redirect("console:incidents")
    return render(request, "console/delete_incident.html", {"page": page, "incident": obj})
