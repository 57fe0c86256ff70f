"""Integrations built in code, and a checker pass over their push monitors."""

from __future__ import annotations

import json
from pathlib import Path

from django.test import Client

from aviso.detection.tests.helpers import check
from aviso.integrations import lifecycle
from aviso.integrations.models import AlertRoute
from aviso.testing import SYSTEM

PAYLOADS = Path(__file__).parent / "payloads"


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def make_integration(
    page, kind: str = "alertmanager", name: str = "Prometheus", secret: str = "", **config
):
    return lifecycle.create_integration(page, actor=SYSTEM, kind=kind, name=name, config=config,
                                        secret=secret)  # fmt: skip


def post(integration, secret: str, body: bytes, *, in_url: bool = False):
    """POST as the alert source does: the secret as a bearer token (or in the URL)."""
    if in_url:
        return Client().post(f"/integrations/{integration.code}/alerts/{secret}", body,
                             content_type="application/json")  # fmt: skip
    return Client().post(f"/integrations/{integration.code}/alerts", body,
                         content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip


def check_routes(integration) -> None:
    """One checker pass over every route's push monitor (the real heartbeat probe)."""
    for route in AlertRoute.objects.filter(integration=integration).select_related("monitor"):
        check(route.monitor)


def public(path: str = "summary.json") -> dict:
    return json.loads(Client().get(f"/api/v2/{path}").content)


def public_status(code: str) -> str:
    return next(c["status"] for c in public("components.json")["components"] if c["id"] == code)
