"""Incident templates: saved title, body and component statuses for the declare form."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from aviso.console import incident_templates
from aviso.console.forms import TemplateForm
from aviso.console.models import IncidentTemplate
from aviso.console.roles import Role, console_view, has_role
from aviso.console.views.common import actor, with_page
from aviso.status import lifecycle
from aviso.status.models import Component, Page


@console_view(Role.VIEWER)
@require_safe
@with_page
def template_list(request: HttpRequest, page: Page) -> HttpResponse:
    return render(
        request,
        "console/templates.html",
        {
            "page": page,
            "templates": IncidentTemplate.objects.filter(page=page),
            "can_edit": has_role(request.user, Role.RESPONDER),
        },
    )


def _save(request, page: Page, template: IncidentTemplate | None) -> HttpResponse:
    components = list(Component.objects.filter(page=page).select_related("group"))
    initial = template.snapshot() if template else {}
    form = TemplateForm(
        request.POST or None,
        initial=initial,
        components=components,
        component_initial=initial.get("components"),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            try:
                incident_templates.save_template(
                    page,
                    actor=actor(request),
                    template=template,
                    name=cd["name"],
                    title=cd["title"],
                    body=cd["body"],
                    status=cd["status"],
                    impact=cd["impact"],
                    components=cd["components"],
                )
            except lifecycle.LifecycleError as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Template saved."))
                return redirect("console:templates")
    return render(
        request,
        "console/template_form.html",
        {"page": page, "form": form, "template": template},
        status=status,
    )


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def template_new(request: HttpRequest, page: Page) -> HttpResponse:
    return _save(request, page, None)


@console_view(Role.RESPONDER)
@require_http_methods(["GET", "POST"])
@with_page
def template_edit(request: HttpRequest, page: Page, template: int) -> HttpResponse:
    return _save(request, page, get_object_or_404(IncidentTemplate, page=page, pk=template))


@console_view(Role.RESPONDER)
@require_POST
@with_page
def template_delete(request: HttpRequest, page: Page, template: int) -> HttpResponse:
    obj = get_object_or_404(IncidentTemplate, page=page, pk=template)
    incident_templates.delete_template(obj, actor=actor(request))
    messages.success(request, _("Template deleted."))
    return redirect("console:templates")
