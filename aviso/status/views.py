"""The public pages: status, notice history, one incident, one maintenance."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from aviso.lib import languages
from aviso.status import links, public
from aviso.status.history import current_month, parse_through
from aviso.status.languages import page_languages, use_page_language
from aviso.status.models import Page
from aviso.status.routing import public_page


def _page(request: HttpRequest) -> Page:
    page = public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    use_page_language(request, page)
    return page


@require_safe
def status_page(request: HttpRequest) -> HttpResponse:
    page = public_page(request)
    if page is None:
        return render(request, "status/empty.html", status=404)
    use_page_language(request, page)
    return render(request, "status/status_page.html", public.status_context(page))


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    raw = request.GET.get("through")
    through = parse_through(raw)
    if raw and through is None:
        # A mangled link should not be an error page: show the present instead.
        return redirect("status:history")
    return render(request, "status/history.html", public.history_context(page, through))


@require_safe
def uptime_report(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    raw = request.GET.get("month")
    asked = parse_through(raw) if raw else current_month(page)
    context = public.uptime_context(page, asked) if asked else None
    if context is None:
        # A mangled or future month is not an error page: show the present instead.
        return redirect("status:uptime")
    return render(request, "status/uptime.html", context)


@require_safe
def incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    context = public.incident_context(_page(request), code)
    if context is None:
        raise Http404("No such incident.")
    return render(request, "status/incident.html", context)


@require_safe
def maintenance_detail(request: HttpRequest, code: str) -> HttpResponse:
    context = public.maintenance_context(_page(request), code)
    if context is None:
        raise Http404("No such maintenance.")
    return render(request, "status/maintenance.html", context)


def _safe_next(value: str) -> str:
    """A site path to go back to; anything else (another host, a scheme) is the front page."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    _, rest = languages.split_prefix(value)
    return rest


@require_safe
def switch_language(request: HttpRequest) -> HttpResponse:
    """The switcher's links: keep the reader's choice in a cookie, then show the page in it.

    A plain link, so it works without JavaScript; the redirect is relative, so
    it works behind a proxy at any sub-path and under any language prefix.
    """
    page = _page(request)
    code = languages.normalize(request.GET.get("to", ""))
    if code is None or code not in page_languages(page):
        raise Http404("This page is not published in that language.")
    target = languages.prefixed(code, _safe_next(request.GET.get("next", "/")))
    current = request.path_info
    if request.language_prefix:
        current = languages.prefixed(request.language_prefix, current)
    response = HttpResponseRedirect(links.relative_from(target, current))
    response.set_cookie(
        languages.COOKIE,
        code,
        max_age=languages.COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    response["Cache-Control"] = "no-store"
    return response
