"""The public pages: status, notice history, one incident, one maintenance."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from aviso.status import public
from aviso.status.history import parse_through
from aviso.status.models import Page


def _page() -> Page:
    page = Page.default()
    if page is None:
        raise Http404("No status page has been set up yet.")
    return page


@require_safe
def status_page(request: HttpRequest) -> HttpResponse:
    page = Page.default()
    if page is None:
        return render(request, "status/empty.html", status=404)
    return render(request, "status/status_page.html", public.status_context(page))


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    page = _page()
    raw = request.GET.get("through")
    through = parse_through(raw)
    if raw and through is None:
        # A mangled link should not be an error page: show the present instead.
        return redirect("status:history")
    return render(request, "status/history.html", public.history_context(page, through))


@require_safe
def incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    context = public.incident_context(_page(), code)
    if context is None:
        raise Http404("No such incident.")
    return render(request, "status/incident.html", context)


@require_safe
def maintenance_detail(request: HttpRequest, code: str) -> HttpResponse:
    context = public.maintenance_context(_page(), code)
    if context is None:
        raise Http404("No such maintenance.")
    return render(request, "status/maintenance.html", context)
