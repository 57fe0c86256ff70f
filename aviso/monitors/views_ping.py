"""Heartbeat pings: ``/ping/<uuid>``, ``/ping/<uuid>/start``, ``/ping/<uuid>/fail``.

No login, no CSRF (cron jobs and curl call them); GET and POST alike, as
healthchecks accepts. One UPDATE per ping.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from aviso.monitors.choices import PingKind
from aviso.monitors.lifecycle import record_ping


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def ping(request: HttpRequest, key, kind: str = PingKind.SUCCESS) -> HttpResponse:
    if not record_ping(str(key), PingKind(kind)):
        return HttpResponse("not found\n", status=404, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")
