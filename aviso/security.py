"""Security headers on every Django answer (the snapshot layer sends the same ones).

The console, the read-only admin and the API docs get the console's policy
with a fresh nonce per request (``csp_nonce`` in templates, which django-htmx's
``htmx_script`` also reads); everything else gets the public policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from aviso.lib.secheaders import console_csp, public_headers

CONSOLE_PREFIXES = ("/console/", "/admin/", "/api/v1/docs")


def snapshot_headers() -> list[tuple[str, str]]:
    return public_headers(https=settings.BASE_URL.startswith("https://"))


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public = snapshot_headers()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        for name, value in self.public:
            if name not in response:
                response[name] = value
        if request.path.startswith(CONSOLE_PREFIXES):
            response["Content-Security-Policy"] = console_csp(request.csp_nonce)
        return response


def csp_nonce(request: HttpRequest) -> dict:
    """Template context: the nonce an inline console script must carry."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
