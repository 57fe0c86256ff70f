"""The management API (v1): auth, resources through the lifecycle, bad input, idempotency."""

from __future__ import annotations

import http.client
import json

import pytest
from django.test import Client

from aviso.api.models import ApiToken, IdempotentResponse
from aviso.status.choices import ActorKind
from aviso.status.models import AuditEntry, Component, Event, Incident, Maintenance, Page
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def page():
    page = make_page(name="Acme", slug="acme")
    make_component(page, "API", group="Core")
    make_component(page, "Web")
    return page


@pytest.fixture
def tokens():
    user = make_person("ops", "admin")
    return {
        scope: ApiToken.issue(user, name=f"{scope} bot", scope=scope)[1]
        for scope in (
            "read",
            "write",
            "admin",
        )
    }


class Api:
    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _send(self, method: str, path: str, body=None, raw: bytes | None = None, key=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, content_type="application/json", headers=headers
        )

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", kw, headers=self.headers)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._send("patch", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self._send("put", path, body, **kw)

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


def _state() -> tuple:
    """Everything a refused request must leave untouched."""
    return (
        Incident.objects.count(),
        Maintenance.objects.count(),
        Page.objects.count(),
        Component.objects.count(),
        list(Component.objects.values_list("status", flat=True)),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert set(body) == {"type", "title", "status", "detail", "errors"}
    assert body["status"] == status
    return body


class TestAuth:
    NEW_INCIDENT = {"name": "Outage", "components": {}}

    def _incident_path(self, page):
        return f"/pages/{page.code}/incidents"

    def test_it_refuses_a_request_without_a_token(self, page):
        before = _state()
        response = Api(None).post(self._incident_path(page), self.NEW_INCIDENT)
        _problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")
        _problem(Api(None).get("/pages"), 401)
        assert _state() == before

    def test_it_refuses_a_wrong_token(self, page, tokens):
        before = _state()
        _problem(
            Api("aviso_not-a-real-token").post(self._incident_path(page), self.NEW_INCIDENT), 401
        )
        _problem(Api(tokens["write"] + "x").get("/pages"), 401)
        assert _state() == before

    def test_it_refuses_a_revoked_token(self, page, tokens):
        ApiToken.objects.get(name="write bot").revoke()
        before = _state()
        _problem(Api(tokens["write"]).post(self._incident_path(page), self.NEW_INCIDENT), 401)
        assert _state() == before

    def test_it_refuses_a_read_token_on_a_write_route(self, page, tokens):
        before = _state()
        body = _problem(Api(tokens["read"]).post(self._incident_path(page), self.NEW_INCIDENT), 403)
        assert "read" in body["detail"]
        component = page.components.get(name="API")
        _problem(
            Api(tokens["read"]).patch(
                f"/pages/{page.code}/components/{component.code}", {"status": "major_outage"}
            ),
            403,
        )
        assert _state() == before

    def test_it_refuses_a_write_token_on_an_admin_route(self, page, tokens):
        before = _state()
        _problem(Api(tokens["write"]).post("/pages", {"name": "Other"}), 403)
        component = page.components.get(name="API")
        _problem(
            Api(tokens["write"]).patch(
                f"/pages/{page.code}/components/{component.code}", {"name": "Renamed"}
            ),
            403,
        )
        assert _state() == before

    def test_it_refuses_a_token_of_an_inactive_user(self, page, tokens):
        ApiToken.objects.get(name="admin bot").user.__class__.objects.update(is_active=False)
        _problem(Api(tokens["admin"]).get("/pages"), 401)

    def test_it_records_the_last_use(self, page, tokens):
        assert ApiToken.objects.get(name="read bot").last_used_at is None
        assert Api(tokens["read"]).get("/pages").status_code == 200
        assert ApiToken.objects.get(name="read bot").last_used_at is not None

    def test_it_stores_only_a_hash(self, tokens):
        for raw in tokens.values():
            assert not ApiToken.objects.filter(digest=raw).exists()
            assert raw not in json.dumps(list(ApiToken.objects.values("digest", "prefix")))


class TestIncidents:
    def test_it_declares_updates_and_resolves_through_the_lifecycle(self, page, tokens):
        api = Api(tokens["write"])
        component = page.components.get(name="API")
        created = api.post(
            f"/pages/{page.code}/incidents",
            {
                "name": "API errors",
                "body": "We see errors.",
                "components": {component.code: "partial_outage"},
            },
        )
        assert created.status_code == 201, created.content
        incident = created.json()
        assert incident["status"] == "investigating"
        assert incident["impact"] == "major"
        assert incident["components"] == [
            {"code": component.code, "name": "API", "status": "partial_outage"}
        ]
        component.refresh_from_db()
        assert component.status == "partial_outage"
        entry = AuditEntry.objects.filter(action="incident.create").get()
        assert entry.actor_kind == ActorKind.API
        assert entry.actor_label == "ops (token write bot)"

        path = f"/pages/{page.code}/incidents/{incident['code']}"
        update = api.post(f"{path}/updates", {"status": "resolved", "body": "Fixed."})
        assert update.status_code == 201, update.content
        assert update.json()["status"] == "resolved"
        component.refresh_from_db()
        assert component.status == "operational"
        detail = api.get(path).json()
        assert [u["status"] for u in detail["updates"]] == ["resolved", "investigating"]

        stale = api.post(
            f"{path}/updates", {"status": "monitoring", "expected_version": incident["version"]}
        )
        _problem(stale, 409)

    def test_it_filters_by_status_and_time(self, page, tokens):
        api = Api(tokens["write"])
        base = f"/pages/{page.code}/incidents"
        old = api.post(base, {"name": "Old", "started_at": "2025-01-01T10:00:00-05:00"}).json()
        api.post(f"{base}/{old['code']}/updates", {"status": "resolved"})
        api.post(base, {"name": "New", "started_at": "2026-01-01T10:00:00Z"})
        names = lambda r: [i["name"] for i in r.json()["items"]]  # noqa: E731
        assert names(api.get(base)) == ["New", "Old"]
        assert names(api.get(base, status="resolved")) == ["Old"]
        assert names(api.get(base, open="true")) == ["New"]
        assert names(api.get(base, since="2025-06-01T00:00:00Z")) == ["New"]
        assert names(api.get(base, until="2025-06-01T00:00:00Z")) == ["Old"]
        page_one = api.get(base, limit=1).json()
        assert page_one["count"] == 2 and len(page_one["items"]) == 1
        assert names(api.get(base, limit=1, offset=1)) == ["Old"]
        _problem(api.get(base, status="broken"), 422)
        _problem(api.get(base, since="2025-06-01T00:00:00"), 422)  # no offset

    def test_it_edits_and_deletes_updates_and_keeps_postmortems(self, page, tokens):
        api = Api(tokens["write"])
        base = f"/pages/{page.code}/incidents"
        incident = api.post(base, {"name": "Blip"}).json()
        path = f"{base}/{incident['code']}"
        second = api.post(f"{path}/updates", {"status": "identified"}).json()
        edited = api.patch(f"{path}/updates/{second['code']}", {"body": "Found it."})
        assert edited.status_code == 200 and edited.json()["body"] == "Found it."
        assert api.delete(f"{path}/updates/{second['code']}").status_code == 204
        last = api.get(f"{path}/updates").json()
        _problem(api.delete(f"{path}/updates/{last[0]['code']}"), 422)

        _problem(api.get(f"{path}/postmortem"), 404)
        _problem(api.post(f"{path}/postmortem/publish"), 404)
        saved = api.put(f"{path}/postmortem", {"body": "## Incident Summary\n\nShort."})
        assert saved.status_code == 200 and saved.json()["published_at"] is None
        published = api.post(f"{path}/postmortem/publish")
        assert published.json()["published_at"] is not None
        assert api.post(f"{path}/postmortem/unpublish").json()["published_at"] is None
        assert api.delete(path).status_code == 204
        assert not Incident.objects.exists()


class TestConfiguration:
    def test_it_manages_pages_groups_and_components(self, page, tokens):
        api = Api(tokens["admin"])
        created = api.post("/pages", {"name": "Second", "time_zone": "Europe/Madrid"})
        assert created.status_code == 201, created.content
        code = created.json()["code"]
        assert api.patch(f"/pages/{code}", {"name": "Second page"}).json()["name"] == "Second page"
        group = api.post(f"/pages/{code}/groups", {"name": "Edge"}).json()
        component = api.post(
            f"/pages/{code}/components", {"name": "CDN", "group": group["code"]}
        ).json()
        assert component["group"] == group["code"]
        assert api.get(f"/pages/{code}/groups/{group['code']}").json()["components"] == [
            component["code"]
        ]
        moved = api.patch(f"/pages/{code}/components/{component['code']}", {"group": None})
        assert moved.json()["group"] is None
        degraded = Api(tokens["write"]).patch(
            f"/pages/{code}/components/{component['code']}", {"status": "degraded_performance"}
        )
        assert degraded.json()["status"] == "degraded_performance"
        listed = api.get(f"/pages/{code}/components", status="degraded_performance").json()
        assert [c["name"] for c in listed["items"]] == ["CDN"]
        assert api.delete(f"/pages/{code}/groups/{group['code']}").status_code == 204
        assert api.delete(f"/pages/{code}/components/{component['code']}").status_code == 204
        assert api.get("/pages/slug-that-is-not-there").status_code == 404

    def test_it_finds_a_page_by_slug(self, page, tokens):
        assert Api(tokens["read"]).get("/pages/acme").json()["code"] == page.code


class TestMaintenances:
    def test_it_schedules_starts_and_completes(self, page, tokens):
        api = Api(tokens["write"])
        component = page.components.get(name="Web")
        base = f"/pages/{page.code}/maintenances"
        created = api.post(
            base,
            {
                "name": "Upgrade",
                "scheduled_for": "2030-01-01T10:00:00Z",
                "scheduled_until": "2030-01-01T12:00:00Z",
                "components": [component.code],
            },
        )
        assert created.status_code == 201, created.content
        path = f"{base}/{created.json()['code']}"
        started = api.post(f"{path}/updates", {"status": "in_progress"})
        assert started.json()["status"] == "in_progress"
        component.refresh_from_db()
        assert component.status == "under_maintenance"
        api.post(f"{path}/updates", {"status": "verifying"})
        done = api.post(f"{path}/updates", {"status": "completed"}).json()
        assert done["status"] == "completed"
        assert [u["status"] for u in done["updates"]] == [
            "completed",
            "verifying",
            "in_progress",
            "scheduled",
        ]
        component.refresh_from_db()
        assert component.status == "operational"
        _problem(api.post(f"{path}/updates", {"status": "in_progress"}), 422)
        assert [m["name"] for m in api.get(base, status="completed").json()["items"]] == ["Upgrade"]

    def test_it_refuses_an_end_before_the_start(self, page, tokens):
        before = _state()
        body = _problem(
            Api(tokens["write"]).post(
                f"/pages/{page.code}/maintenances",
                {
                    "name": "Backwards",
                    "scheduled_for": "2030-01-01T10:00:00Z",
                    "scheduled_until": "2030-01-01T09:00:00Z",
                },
            ),
            422,
        )
        assert "scheduled_until" in body["errors"]
        assert _state() == before


class TestBadInput:
    def _post(self, tokens, page, **kw):
        return Api(tokens["admin"]).post(f"/pages/{page.code}/incidents", **kw)

    def test_it_refuses_malformed_json(self, page, tokens):
        before = _state()
        body = _problem(self._post(tokens, page, raw=b'{"name": "x",'), 400)
        assert "Malformed JSON" in body["errors"]["body"]
        assert _state() == before

    def test_it_refuses_unknown_fields(self, page, tokens):
        before = _state()
        body = _problem(self._post(tokens, page, body={"name": "x", "colour": "red"}), 422)
        assert body["errors"] == {"colour": "Unknown field."}
        assert _state() == before

    def test_it_refuses_wrong_enum_values(self, page, tokens):
        before = _state()
        component = page.components.get(name="API")
        body = _problem(
            self._post(
                tokens,
                page,
                body={"name": "x", "status": "exploded", "components": {component.code: "meh"}},
            ),
            422,
        )
        assert set(body["errors"]) == {"status", f"components.{component.code}"}
        assert "investigating" in body["errors"]["status"]
        assert _state() == before

    def test_it_refuses_an_unknown_component(self, page, tokens):
        before = _state()
        body = _problem(
            self._post(tokens, page, body={"name": "x", "components": {"nope": "major_outage"}}),
            422,
        )
        assert "components" in body["errors"]
        assert _state() == before

    def test_it_refuses_a_two_megabyte_body(self, page, tokens):
        before = _state()
        huge = {"name": "x", "body": "a" * (2 * 1024 * 1024)}
        body = _problem(self._post(tokens, page, body=huge), 422)
        assert "body" in body["errors"]
        assert _state() == before

    def test_it_refuses_a_body_beyond_the_upload_limit(self, page, tokens):
        before = _state()
        huge = {"name": "x", "body": "a" * (3 * 1024 * 1024)}
        _problem(self._post(tokens, page, body=huge), 413)
        assert _state() == before

    def test_it_refuses_a_time_zone_that_does_not_exist(self, page, tokens):
        api = Api(tokens["admin"])
        before = _state()
        body = _problem(api.post("/pages", {"name": "Mars", "time_zone": "Mars/Olympus"}), 422)
        assert "Mars/Olympus" in body["errors"]["time_zone"]
        body = _problem(api.patch(f"/pages/{page.code}", {"time_zone": "Nowhere/Land"}), 422)
        assert set(body["errors"]) == {"time_zone"}
        assert _state() == before
        page.refresh_from_db()
        assert page.time_zone == "America/Guayaquil"

    def test_it_refuses_a_time_without_an_offset(self, page, tokens):
        before = _state()
        body = _problem(
            self._post(tokens, page, body={"name": "x", "started_at": "2026-01-01T10:00:00"}),
            422,
        )
        assert "started_at" in body["errors"]
        assert _state() == before

    def test_it_refuses_control_characters_and_empty_names(self, page, tokens):
        before = _state()
        _problem(self._post(tokens, page, body={"name": "a\x00b"}), 422)
        _problem(self._post(tokens, page, body={"name": ""}), 422)
        _problem(self._post(tokens, page, body={"name": "bell\x07"}), 422)
        assert _state() == before

    def test_it_answers_404_for_unknown_objects(self, page, tokens):
        api = Api(tokens["read"])
        _problem(api.get("/pages/nope"), 404)
        _problem(api.get(f"/pages/{page.code}/incidents/zzzzzzzzzzzz"), 404)
        _problem(api.get(f"/pages/{page.code}/incidents/bad%20code"), 404)


class TestIdempotency:
    def test_it_answers_a_retried_create_with_the_first_result(self, page, tokens):
        api = Api(tokens["write"])
        path = f"/pages/{page.code}/incidents"
        first = api.post(path, {"name": "Once"}, key="k-1")
        again = api.post(path, {"name": "Once"}, key="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert Incident.objects.count() == 1
        other = api.post(path, {"name": "Once"}, key="k-2")
        assert other.status_code == 201 and Incident.objects.count() == 2

    def test_it_refuses_the_same_key_on_a_different_request(self, page, tokens):
        api = Api(tokens["write"])
        path = f"/pages/{page.code}/incidents"
        api.post(path, {"name": "One"}, key="k")
        body = _problem(api.post(path, {"name": "Two"}, key="k"), 422)
        assert "Idempotency-Key" in body["errors"]
        assert Incident.objects.count() == 1

    def test_it_keeps_no_answer_for_a_refused_request(self, page, tokens):
        api = Api(tokens["write"])
        path = f"/pages/{page.code}/incidents"
        _problem(api.post(path, {"name": ""}, key="k"), 422)
        assert not IdempotentResponse.objects.exists()
        assert api.post(path, {"name": ""}, key="k").status_code == 422

    def test_it_keeps_keys_per_token(self, page, tokens):
        path = f"/pages/{page.code}/incidents"
        Api(tokens["write"]).post(path, {"name": "A"}, key="same")
        Api(tokens["admin"]).post(path, {"name": "A"}, key="same")
        assert Incident.objects.count() == 2


class TestOpenApi:
    def test_it_serves_the_document_and_the_docs_page(self):
        document = Client().get("/api/v1/openapi.json").json()
        assert document["info"]["title"] == "Aviso management API"
        paths = document["paths"]
        for path in (
            "/api/v1/pages",
            "/api/v1/pages/{page}/components",
            "/api/v1/pages/{page}/groups",
            "/api/v1/pages/{page}/incidents",
            "/api/v1/pages/{page}/incidents/{code}/updates",
            "/api/v1/pages/{page}/incidents/{code}/postmortem",
            "/api/v1/pages/{page}/maintenances",
        ):
            assert path in paths
        assert Client().get("/api/v1/docs").status_code == 200


class TestOverRealHttp:
    @pytest.mark.django_db(transaction=True)
    def test_it_accepts_a_bearer_post_without_csrf_cookies(self, live_server, tokens):
        page = make_page(name="Live", slug="live")
        host, port = live_server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(
                "POST",
                f"/api/v1/pages/{page.code}/incidents",
                body=json.dumps({"name": "Over the wire"}),
                headers={
                    "Authorization": f"Bearer {tokens['write']}",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            assert response.status == 201
            assert json.loads(response.read())["name"] == "Over the wire"
        finally:
            connection.close()
        assert Incident.objects.filter(name="Over the wire").exists()
