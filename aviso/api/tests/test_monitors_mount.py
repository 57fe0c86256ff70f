"""The monitors router mounted on the management API, behind its token scopes."""

from __future__ import annotations

import json

import pytest

from aviso.api.models import ApiToken
from aviso.monitors.models import Monitor
from aviso.status.models import AuditEntry
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitors"
BODY = {"name": "API TCP", "kind": "tcp", "config": {"host": "127.0.0.1", "port": 5432}}


def bearer(scope: str) -> dict:
    _, raw = ApiToken.issue(make_person(f"bot-{scope}", "admin"), name=scope, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


class TestMonitorsOnTheManagementApi:
    def test_a_write_token_creates_and_a_read_token_reads(self, client):
        page = make_page()
        component = make_component(page, "API")
        body = BODY | {"component": component.code}
        response = client.post(
            URL, json.dumps(body), content_type="application/json", **bearer("write")
        )
        assert response.status_code == 201, response.content
        code = response.json()["code"]
        listed = client.get(URL, **bearer("read"))
        assert listed.status_code == 200
        assert [m["code"] for m in listed.json()["results"]] == [code]
        entry = AuditEntry.objects.filter(object_type="monitor").latest("at")
        assert "token write" in entry.actor_label

    def test_a_read_token_cannot_write_and_no_token_gets_nothing(self, client):
        response = client.post(
            URL, json.dumps(BODY), content_type="application/json", **bearer("read")
        )
        assert response.status_code == 403
        assert client.get(URL).status_code == 401
        assert not Monitor.objects.exists()
