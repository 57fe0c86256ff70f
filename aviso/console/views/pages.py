"""The Pages screen (admins): every page with its address, a new page, the page the
console works on, and other pages' components shown on it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aviso.console.forms import NewPageForm, PlacementForm, add_lifecycle_errors
from aviso.console.roles import Role, console_view
from aviso.console.views.common import SELECTED_PAGE, actor, selected_page
from aviso.status import lifecycle
from aviso.status.models import Component, ComponentPlacement, Page
from aviso.status.routing import first_page_flag, page_address


def _context(request: HttpRequest, page: Page | None, new_form, placement_form) -> dict:
    pages = list(Page.objects.annotate(is_first=first_page_flag()).order_by("position", "id"))
    for each in pages:
        each.address = page_address(each)
    placements = []
    if page is not None:
        placements = list(
            ComponentPlacement.objects.filter(page=page).select_related(
                "component__page", "component__group", "group"
            )
        )
    return {
        "pages": pages,
        "page": page,
        "new_form": new_form,
        "placement_form": placement_form,
        "placements": placements,
    }


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def page_list(request: HttpRequest) -> HttpResponse:
    # Choosing the page to work on is navigation (like a language), not a change: a link.
    chosen = request.GET.get("work_on")
    if chosen and request.method == "GET":
        page = get_object_or_404(Page, slug=chosen)
        request.session[SELECTED_PAGE] = page.slug
        messages.success(request, _("The console now works on %(page)s.") % {"page": page.name})
        return redirect("console:pages")
    page = selected_page(request)
    new_form = NewPageForm(request.POST or None)
    placement_form = PlacementForm(page=page) if page else None
    status = 200
    if request.method == "POST":
        status = 400
        if new_form.is_valid():
            try:
                created = lifecycle.create_page(actor=actor(request), **new_form.cleaned_data)
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(new_form, error)
            else:
                request.session[SELECTED_PAGE] = created.slug
                messages.success(request, _("Page created; the console now works on it."))
                return redirect("console:pages")
    context = _context(request, page, new_form, placement_form)
    return render(request, "console/pages.html", context, status=status)


@console_view(Role.ADMIN)
@require_POST
def place(request: HttpRequest) -> HttpResponse:
    page = selected_page(request)
    if page is None:
        return redirect("console:settings")
    form = PlacementForm(request.POST, page=page)
    if form.is_valid():
        component = get_object_or_404(Component, code=form.cleaned_data["component"])
        try:
            lifecycle.place_component(
                component, page, actor=actor(request), group=form.cleaned_data["group"] or None
            )
        except lifecycle.LifecycleError as error:
            add_lifecycle_errors(form, error)
        else:
            messages.success(
                request, _("%(component)s is shown on this page.") % {"component": component.name}
            )
            return redirect("console:pages")
    context = _context(request, page, NewPageForm(), form)
    return render(request, "console/pages.html", context, status=400)


@console_view(Role.ADMIN)
@require_POST
def unplace(request: HttpRequest, placed: str) -> HttpResponse:
    page = selected_page(request)
    placement = get_object_or_404(ComponentPlacement, page=page, component__code=placed)
    lifecycle.unplace_component(placement, actor=actor(request))
    messages.success(request, _("The component is no longer shown on this page."))
    return redirect("console:pages")
