"""Alert webhooks: ``POST /integrations/<code>/alerts`` with ``Authorization: Bearer
<secret>``, or ``POST /integrations/<code>/alerts/<secret>`` for senders that
cannot set a header. No session, no CSRF (Alertmanager and Grafana call it).

Answers JSON: 200 with what was taken and ignored; 401 for a missing or wrong
secret (the same answer for an unknown integration, so codes cannot be probed);
400 for a body that is not JSON and 422, with a message per field, for JSON
that is not the integration's shape. Malformed bodies are kept for the console.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aviso.integrations import alerts, configs, lifecycle
from aviso.integrations.choices import IntegrationKind
from aviso.integrations.models import Integration
from aviso.integrations.secrets import matches

MAX_BODY = 1_000_000
PARSERS = {
    IntegrationKind.ALERTMANAGER: alerts.alertmanager,
    IntegrationKind.GRAFANA: alerts.grafana,
    IntegrationKind.WEBHOOK: alerts.webhook,
}


def problem(status: int, title: str, errors: dict[str, str] | None = None) -> JsonResponse:
    body: dict = {"status": status, "title": title}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, content_type="application/problem+json")


def bearer(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@require_POST
def receive(request: HttpRequest, code: str, secret: str = "") -> HttpResponse:
    integration = (
        Integration.objects.select_related("page")
        .filter(code=code[:12], kind__in=list(PARSERS))
        .first()
    )
    given = secret or bearer(request)
    if integration is None or not matches(integration.secret, given):
        return problem(401, "Unknown integration or wrong secret.")
    if not integration.enabled:
        return problem(403, "This integration is turned off in the console.")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return problem(413, f"At most {MAX_BODY} bytes.")
    raw = request.body
    try:
        body = json.loads(raw)
    except ValueError:
        lifecycle.refused_payload(integration, raw, "not JSON")
        return problem(400, "The body is not JSON.")
    conf = configs.parse_config(integration.kind, integration.config)
    try:
        found = PARSERS[integration.kind](body, conf)
    except alerts.BadPayload as error:
        lifecycle.refused_payload(integration, raw, str(error))
        return problem(422, "Not the shape this integration reads.", error.errors)
    receipt = lifecycle.receive_alerts(integration, found, raw)
    return JsonResponse({"accepted": receipt.accepted, "ignored": receipt.ignored})
