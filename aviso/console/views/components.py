"""Component statuses outside any incident (a quiet fix, a planned degradation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aviso.console.forms import ComponentStatusForm
from aviso.console.roles import Role, console_view, has_role
from aviso.console.views.common import actor, with_page
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus
from aviso.status.models import Component, Page


@console_view(Role.VIEWER)
@require_safe
@with_page
def component_list(request: HttpRequest, page: Page) -> HttpResponse:
    return render(
        request,
        "console/components.html",
        {
            "page": page,
            "components": Component.objects.filter(page=page).select_related("group"),
            "statuses": ComponentStatus.choices,
            "can_edit": has_role(request.user, Role.RESPONDER),
        },
    )


@console_view(Role.RESPONDER)
@require_POST
@with_page
def set_status(request: HttpRequest, page: Page, component: str) -> HttpResponse:
    obj = get_object_or_404(Component.objects.select_related("group"), page=page, code=component)
    form = ComponentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("%(component)s: %(errors)s")
            % {"component": obj.display_name, "errors": " ".join(form.errors.get("status", []))},
        )
        return redirect("console:components")
    try:
        lifecycle.set_component_status(obj, form.cleaned_data["status"], actor=actor(request))
    except lifecycle.LifecycleError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(
            request,
            _("%(component)s is now %(status)s.")
            % {
                "component": obj.display_name,
                "status": ComponentStatus(form.cleaned_data["status"]).label,
            },
        )
    return redirect("console:components")
