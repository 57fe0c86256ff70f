"""A database that is down gets a clear 503, not a stack trace, and no lasting harm.

Public pages and JSON are answered from snapshots before Django is reached;
what still needs the database (the console, the API, a page without a
snapshot) answers 503 with a message and ``Retry-After``. Django drops a
connection that failed at the end of the request, so the first request after
the database is back simply connects again: nothing to restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def database_down_response(request: HttpRequest) -> HttpResponse:
    title = _("Database unavailable")
    message = _(
        "The database is unreachable, so this cannot be answered right now. "
        "The public status page is still served from its last snapshot. "
        "This recovers by itself when the database is back; try again in a moment."
    )
    if request.path_info.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"title": title, "status": 503, "detail": message},
            status=503,
            content_type="application/problem+json",
        )
    else:
        body = (
            f'<!doctype html><html lang="{get_language() or "en"}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body>"
            f"<h1>{title}</h1><p>{message}</p></body></html>"
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_failed() -> bool:
    """Whether a database connection of this request failed and is unusable now."""
    for connection in connections.all(initialized_only=True):
        if not connection.errors_occurred:
            continue
        if connection.connection is None:
            return True  # it never connected
        try:
            if not connection.is_usable():
                return True
        except DatabaseError:
            return True
    return False


class DatabaseDownMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Some views catch every exception themselves (an API's catch-all handler turns it
        # into a 500): a 500 on a request whose database connection failed is still a 503.
        if response.status_code == 500 and database_failed():
            return database_down_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("database unavailable for %s: %s", request.path_info, exception)
            return database_down_response(request)
        return None
