"""Public, unauthenticated answers for the request's page: v2 JSON, feeds, badges."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from aviso.api import badges, feeds, statuspage
from aviso.api.http import preflight, public_response
from aviso.status.languages import use_page_language
from aviso.status.routing import public_page
from aviso.status.showing import shown_components

JSON = "application/json; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"


@csrf_exempt
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def v2(request: HttpRequest, name: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return preflight()
    page = public_page(request)
    if page is None:
        body = statuspage.encode({"error": "No status page has been set up yet."})
        return public_response(request, body, content_type=JSON, last_modified=None, status=404)
    use_page_language(request, page)
    data = statuspage.ENDPOINTS[name](page)
    # The page's updated_at is the time of its latest change: the Last-Modified.
    last_modified = dt.datetime.fromisoformat(data["page"]["updated_at"])
    return public_response(
        request, statuspage.encode(data), content_type=JSON, last_modified=last_modified
    )


def _feed(request: HttpRequest, build, content_type: str) -> HttpResponse:
    page = public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    use_page_language(request, page)
    return public_response(
        request,
        build(page),
        content_type=content_type,
        last_modified=statuspage.last_change(page),
    )


@require_safe
def history_atom(request: HttpRequest) -> HttpResponse:
    return _feed(request, feeds.atom, "application/atom+xml; charset=utf-8")


@require_safe
def history_rss(request: HttpRequest) -> HttpResponse:
    return _feed(request, feeds.rss, "application/rss+xml; charset=utf-8")


@require_safe
def maintenance_ics(request: HttpRequest) -> HttpResponse:
    return _feed(request, feeds.maintenance_calendar, "text/calendar; charset=utf-8")


@require_safe
def page_badge(request: HttpRequest) -> HttpResponse:
    page = public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    use_page_language(request, page)
    statuses = list(shown_components(page).values_list("status", flat=True))
    return public_response(
        request, badges.page_badge(statuses), content_type=SVG, last_modified=None
    )


@require_safe
def component_badge(request: HttpRequest, code: str) -> HttpResponse:
    page = public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    # Only a component this page shows: another page's (a private one's) is not found here.
    component = shown_components(page).filter(code=code).only("name", "status").first()
    if component is None:
        raise Http404("No such component.")
    use_page_language(request, page)
    body = badges.component_badge(component.name, component.status)
    return public_response(request, body, content_type=SVG, last_modified=None)
