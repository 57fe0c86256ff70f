"""The busiest console screens run a fixed number of queries, however much history there is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aviso.status import lifecycle
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _incident(scene, n: int):
    incident = lifecycle.create_incident(
        scene.page, actor=SYSTEM, name=f"Incident {n}", components={scene.api: "partial_outage"}
    )
    for status in ("identified", "monitoring"):
        lifecycle.post_update(incident, actor=SYSTEM, status=status, body=f"{status} {n}")
    return incident


@pytest.mark.parametrize(
    "url_name", ["console:dashboard", "console:incidents", "console:audit", "console:maintenances"]
)
def test_list_screens_do_not_grow_with_history(scene, url_name):
    client = scene.client("responder")
    _incident(scene, 0)
    few = _queries(client, reverse(url_name))
    for n in range(1, 8):
        _incident(scene, n)
    assert _queries(client, reverse(url_name)) == few


def test_the_incident_screen_does_not_grow_with_its_updates(scene):
    client = scene.client("responder")
    incident = _incident(scene, 0)
    url = reverse("console:incident", args=[incident.code])
    few = _queries(client, url)
    for n in range(6):
        lifecycle.post_update(incident, actor=SYSTEM, status="monitoring", body=f"more {n}")
    assert _queries(client, url) == few
