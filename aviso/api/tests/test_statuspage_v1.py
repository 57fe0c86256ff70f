"""Statuspage's management API at /v1/: contract, form bodies, keys, errors, the lifecycle."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from aviso.api.models import ApiToken
from aviso.console.models import IncidentTemplate
from aviso.notify.choices import NoticeKind
from aviso.notify.models import Delivery, Subscriber
from aviso.status import lifecycle
from aviso.status.choices import ActorKind, EventKind
from aviso.status.models import AuditEntry, Component, Event, Incident, Maintenance
from aviso.testing import SYSTEM, make_component, make_page, make_person

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
REFERENCE = Path(__file__).parent / "reference"
PUBLISHED = json.loads((SAMPLES / "statuspage_v1_objects.json").read_text())["objects"]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the subscription functions' once-per-address marks


@pytest.fixture
def page():
    page = make_page(name="Acme", slug="acme")
    make_component(page, "API", group="Core")
    make_component(page, "Web")
    return page


@pytest.fixture
def keys():
    user = make_person("ops", "admin")
    return {
        scope: ApiToken.issue(user, name=f"{scope} key", scope=scope)[1]
        for scope in ("read", "write", "admin")
    }


class V1:
    """A client as Statuspage's own examples use it: ``Authorization: OAuth <key>``."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"OAuth {key}"} if key else {}

    def get(self, path: str, **params):
        return self.client.get(f"/v1{path}", params, headers=self.headers)

    def send(self, method: str, path: str, body: dict | None = None):
        data = "" if body is None else json.dumps(body)
        return getattr(self.client, method)(
            f"/v1{path}", data=data, content_type="application/json", headers=self.headers
        )

    def form(self, method: str, path: str, pairs: list[tuple[str, str]]):
        return getattr(self.client, method)(
            f"/v1{path}", data=urlencode(pairs), content_type=FORM, headers=self.headers
        )


def _json(response, status: int = 200):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _error(response, status: int) -> str:
    body = _json(response, status)
    assert set(body) == {"error", "message"} and body["error"] == body["message"]
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


def _matches(kind: str, value) -> bool:
    if value is None:
        return True
    if kind == "str" or kind == "date":
        return isinstance(value, str)
    if kind == "datetime":
        return isinstance(value, str) and bool(TIMESTAMP.match(value))
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "float"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind.startswith("list"):
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True  # a nested schema name (Component, IncidentUpdate): checked on its own


# Where Statuspage's published description says less than its servers send.
LOOSER = {
    ("group_component", "components"): list,
    ("group_component", "position"): int,
    ("subscriber", "components"): list,
}


def assert_shape(kind: str, obj: dict) -> None:
    """Every field Statuspage publishes for ``kind`` is there, with its type."""
    missing = set(PUBLISHED[kind]) - set(obj)
    assert not missing, f"{kind} lacks {sorted(missing)}"
    for field, declared in PUBLISHED[kind].items():
        value = obj[field]
        if (kind, field) in LOOSER:
            assert isinstance(value, LOOSER[(kind, field)]), (kind, field, value)
        else:
            assert _matches(declared, value), (kind, field, declared, value)


class TestKeys:
    def test_it_refuses_no_key_and_a_wrong_one_in_statuspages_shape(self, page, keys):
        assert _error(V1(None).get("/pages"), 401) == "Could not authenticate"
        _error(V1("not-a-key").get(f"/pages/{page.code}"), 401)
        _error(V1(None).send("post", f"/pages/{page.code}/incidents", {"incident": {}}), 401)
        assert Incident.objects.count() == 0

    def test_it_takes_the_oauth_header_the_api_key_parameter_and_a_bearer(self, page, keys):
        assert _json(V1(keys["read"]).get("/pages"))[0]["id"] == page.code
        assert _json(Client().get("/v1/pages.json", {"api_key": keys["read"]}))[0]["name"] == "Acme"
        bearer = Client().get("/v1/pages", headers={"Authorization": f"Bearer {keys['read']}"})
        assert _json(bearer)[0]["id"] == page.code

    def test_a_read_key_cannot_write_and_a_write_key_cannot_change_the_page(self, page, keys):
        body = {"incident": {"name": "Outage"}}
        assert "needs write" in _error(
            V1(keys["read"]).send("post", f"/pages/{page.code}/incidents", body), 403
        )
        _error(V1(keys["write"]).send("patch", f"/pages/{page.code}", {"page": {"name": "X"}}), 403)
        assert Incident.objects.count() == 0
        page.refresh_from_db()
        assert page.name == "Acme"

    def test_a_revoked_key_does_nothing(self, page, keys):
        ApiToken.objects.get(name="write key").revoke()
        body = {"incident": {"name": "Outage"}}
        _error(V1(keys["write"]).send("post", f"/pages/{page.code}/incidents", body), 401)


class TestContract:
    """Each answer carries every field Statuspage's published description names."""

    def test_pages_components_groups_incidents_updates_templates_subscribers(self, page, keys):
        api = V1(keys["admin"])
        assert_shape("page", _json(api.get(f"/pages/{page.code}")))
        for component in _json(api.get(f"/pages/{page.code}/components")):
            assert_shape("component", component)
        for group in _json(api.get(f"/pages/{page.code}/component-groups")):
            assert_shape("group_component", group)
        web = page.components.get(name="Web")
        created = api.form(
            "post",
            f"/pages/{page.code}/incidents",
            [("incident[name]", "Slow"), (f"incident[components][{web.code}]", "partial_outage")],
        )
        incident = _json(created, 201)
        assert_shape("incident", incident)
        for update in incident["incident_updates"]:
            assert_shape("incident_update", update)
        for component in incident["components"]:
            assert_shape("component", component)
        template = api.send(
            "post",
            f"/pages/{page.code}/incident_templates",
            {"template": {"name": "DB", "title": "Database trouble", "body": "Looking."}},
        )
        assert_shape("incident_template", _json(template, 201))
        subscriber = api.send(
            "post", f"/pages/{page.code}/subscribers", {"subscriber": {"email": "a@example.com"}}
        )
        assert_shape("subscriber", _json(subscriber, 201))
        assert set(PUBLISHED["error_entity"]) <= set(json.loads(V1(None).get("/pages").content))

    def test_an_incident_has_every_field_of_statuspages_captured_public_incident(self, page, keys):
        captured = json.loads((REFERENCE / "discord_incidents_2022.json").read_text())
        sample = captured["incidents"][0]
        api = V1(keys["write"])
        body = {"incident": {"name": "Outage", "component_ids": [page.components.first().code]}}
        ours = _json(api.send("post", f"/pages/{page.code}/incidents", body), 201)
        assert set(sample) <= set(ours)
        assert set(sample["incident_updates"][0]) <= set(ours["incident_updates"][0])
        assert set(sample["components"][0]) <= set(ours["components"][0])

    def test_maintenances_and_components_have_every_field_of_the_captured_ones(self, page, keys):
        captured = json.loads((REFERENCE / "discord_scheduled_maintenances_2022.json").read_text())
        sample = captured["scheduled_maintenances"][0]
        components = json.loads((REFERENCE / "discord_components_2022.json").read_text())
        component_sample = next(c for c in components["components"] if not c["group"])
        api = V1(keys["write"])
        begin = timezone.now() + dt.timedelta(days=1)
        body = {
            "incident": {
                "name": "Upgrade",
                "status": "scheduled",
                "scheduled_for": begin.isoformat(),
                "scheduled_until": (begin + dt.timedelta(hours=2)).isoformat(),
                "component_ids": [page.components.first().code],
            }
        }
        ours = _json(api.send("post", f"/pages/{page.code}/incidents", body), 201)
        assert set(sample) <= set(ours)
        assert set(sample["incident_updates"][0]) <= set(ours["incident_updates"][0])
        assert set(component_sample) <= set(ours["components"][0])
        for component in _json(api.get(f"/pages/{page.code}/components")):
            assert set(component_sample) <= set(component)

    def test_a_multipart_body_is_read_like_a_form(self, page, keys):
        api = V1(keys["write"])
        response = api.client.post(
            f"/v1/pages/{page.code}/incidents",
            {"incident[name]": "From curl -F", "incident[status]": "identified"},
            headers=api.headers,
        )
        assert _json(response, 201)["status"] == "identified"

    def test_paths_answer_with_and_without_json(self, page, keys):
        api = V1(keys["read"])
        plain = _json(api.get(f"/pages/{page.code}/components"))
        assert _json(api.get(f"/pages/{page.code}/components.json")) == plain


class TestIncidents:
    def test_a_form_encoded_incident_is_declared_through_the_lifecycle(self, page, keys):
        api_c, web = page.components.get(name="API"), page.components.get(name="Web")
        response = V1(keys["write"]).form(
            "post",
            f"/pages/{page.code}/incidents",
            [
                ("incident[name]", "test incident"),
                ("incident[status]", "identified"),
                ("incident[body]", "The database is slow."),
                (f"incident[components][{api_c.code}]", "major_outage"),
                ("incident[component_ids][]", api_c.code),
                ("incident[component_ids][]", web.code),
                ("incident[deliver_notifications]", "false"),
            ],
        )
        data = _json(response, 201)
        assert data["name"] == "test incident" and data["status"] == "identified"
        assert data["impact"] == "critical" and data["page_id"] == page.code
        assert {c["id"] for c in data["components"]} == {api_c.code, web.code}
        assert data["incident_updates"][0]["body"] == "The database is slow."
        assert data["incident_updates"][0]["deliver_notifications"] is False
        incident = Incident.objects.get(code=data["id"])
        assert Component.objects.get(pk=api_c.pk).status == "major_outage"
        assert Component.objects.get(pk=web.pk).status == "operational"
        entry = AuditEntry.objects.get(action="incident.create")
        assert entry.actor_kind == ActorKind.API and "write key" in entry.actor_label
        event = Event.objects.get(kind=EventKind.INCIDENT_CREATED, incident=incident)
        assert event.notify is False

    def test_an_update_and_a_resolution_through_patch(self, page, keys):
        api = V1(keys["write"])
        web = page.components.get(name="Web")
        body = {"incident": {"name": "Slow", "components": {web.code: "degraded_performance"}}}
        code = _json(api.send("post", f"/pages/{page.code}/incidents", body), 201)["id"]
        path = f"/pages/{page.code}/incidents/{code}"
        data = _json(
            api.form(
                "patch",
                path,
                [("incident[status]", "monitoring"), ("incident[body]", "A fix is out.")],
            )
        )
        assert data["status"] == "monitoring" and data["monitoring_at"]
        data = _json(
            api.send("patch", path, {"incident": {"status": "resolved", "name": "Slow web"}})
        )
        assert data["status"] == "resolved" and data["name"] == "Slow web"
        assert [u["status"] for u in data["incident_updates"]] == [
            "resolved",
            "monitoring",
            "investigating",
        ]
        assert Component.objects.get(pk=web.pk).status == "operational"
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"incident.update", "incident.resolve", "incident.rename"} <= actions

    def test_an_update_is_edited_and_the_incident_deleted(self, page, keys):
        api = V1(keys["write"])
        created = _json(
            api.send("post", f"/pages/{page.code}/incidents", {"incident": {"name": "Oops"}}), 201
        )
        update_id = created["incident_updates"][0]["id"]
        path = f"/pages/{page.code}/incidents/{created['id']}"
        edited = api.form(
            "patch",
            f"{path}/incident_updates/{update_id}",
            [("incident_update[body]", "Fixed typo")],
        )
        assert _json(edited)["body"] == "Fixed typo"
        deleted = _json(api.send("delete", path))
        assert deleted["id"] == created["id"]
        assert not Incident.objects.exists()
        _error(api.get(path), 404)
        assert AuditEntry.objects.filter(action="incident.delete").count() == 1

    def test_a_postmortem_is_drafted_published_and_reverted(self, page, keys):
        api = V1(keys["write"])
        incident = lifecycle.create_incident(page, actor=SYSTEM, name="Outage", status="resolved")
        path = f"/pages/{page.code}/incidents/{incident.code}/postmortem"
        _error(api.get(path), 404)
        draft = _json(api.form("put", path, [("postmortem[body_draft]", "## Summary\nIt broke.")]))
        assert draft["body_draft"].startswith("## Summary") and draft["published_at"] is None
        assert draft["body"] is None
        published = _json(api.send("put", f"{path}/publish", {"postmortem": {}}))
        assert published["published_at"] and published["body"] == draft["body_draft"]
        shown = _json(api.get(f"/pages/{page.code}/incidents/{incident.code}"))
        assert shown["status"] == "postmortem" and shown["postmortem_published_at"]
        assert Event.objects.filter(kind=EventKind.POSTMORTEM_PUBLISHED).count() == 1
        assert _json(api.send("put", f"{path}/revert"))["published_at"] is None
        assert "does not support" in _error(api.send("delete", path), 501)
        assert "body_draft" in _error(api.send("put", path, {"postmortem": {}}), 400)

    def test_lists_paginate_and_search(self, page, keys):
        start = timezone.now() - dt.timedelta(days=1)
        for n in range(5):
            lifecycle.create_incident(
                page,
                actor=SYSTEM,
                name=f"Incident {n}",
                status="resolved" if n < 3 else "investigating",
                started_at=start + dt.timedelta(minutes=n),
            )
        api = V1(keys["read"])
        names = [i["name"] for i in _json(api.get(f"/pages/{page.code}/incidents"))]
        assert names == [f"Incident {n}" for n in (4, 3, 2, 1, 0)]
        second = _json(api.get(f"/pages/{page.code}/incidents", limit=2, page=2))
        assert [i["name"] for i in second] == ["Incident 2", "Incident 1"]
        per_page = _json(api.get(f"/pages/{page.code}/incidents", per_page=4, page=2))
        assert [i["name"] for i in per_page] == ["Incident 0"]
        assert [i["name"] for i in _json(api.get(f"/pages/{page.code}/incidents", q="nt 3"))] == [
            "Incident 3"
        ]
        unresolved = _json(api.get(f"/pages/{page.code}/incidents/unresolved"))
        assert [i["name"] for i in unresolved] == ["Incident 4", "Incident 3"]
        _error(api.get(f"/pages/{page.code}/incidents", page="0"), 400)
        _error(api.get(f"/pages/{page.code}/incidents", per_page="many"), 400)

    def test_a_list_costs_the_same_queries_whatever_its_length(self, page, keys):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        api = V1(keys["read"])
        web = page.components.get(name="Web")

        def cost() -> int:
            with CaptureQueriesContext(connection) as queries:
                _json(api.get(f"/pages/{page.code}/incidents"))
            return len(queries)

        lifecycle.create_incident(
            page, actor=SYSTEM, name="First", components={web: "major_outage"}
        )
        few = cost()
        for n in range(6):
            lifecycle.create_incident(
                page, actor=SYSTEM, name=f"More {n}", components={web: "partial_outage"}
            )
        assert cost() == few


class TestMaintenances:
    def test_a_maintenance_is_scheduled_started_and_completed_as_an_incident(self, page, keys):
        api = V1(keys["write"])
        web = page.components.get(name="Web")
        begin = timezone.now() + dt.timedelta(hours=2)
        created = api.form(
            "post",
            f"/pages/{page.code}/incidents",
            [
                ("incident[name]", "Database upgrade"),
                ("incident[status]", "scheduled"),
                ("incident[scheduled_for]", begin.isoformat()),
                ("incident[scheduled_until]", (begin + dt.timedelta(hours=1)).isoformat()),
                ("incident[component_ids][]", web.code),
                ("incident[scheduled_auto_in_progress]", "true"),
            ],
        )
        data = _json(created, 201)
        assert data["status"] == "scheduled" and data["impact"] == "maintenance"
        assert data["scheduled_auto_in_progress"] is True
        assert data["scheduled_auto_completed"] is False
        assert_shape("incident", data)
        maintenance = Maintenance.objects.get(code=data["id"])
        assert list(maintenance.components.all()) == [web]
        for path in ("scheduled", "upcoming"):
            listed = _json(api.get(f"/pages/{page.code}/incidents/{path}"))
            assert [m["id"] for m in listed] == [data["id"]]
        assert [i["id"] for i in _json(api.get(f"/pages/{page.code}/incidents"))] == [data["id"]]
        path = f"/pages/{page.code}/incidents/{data['id']}"
        started = _json(api.send("patch", path, {"incident": {"status": "in_progress"}}))
        assert started["status"] == "in_progress"
        assert Component.objects.get(pk=web.pk).status == "under_maintenance"
        active = _json(api.get(f"/pages/{page.code}/incidents/active_maintenance"))
        assert [m["id"] for m in active] == [data["id"]]
        done = _json(
            api.send("patch", path, {"incident": {"status": "completed", "body": "Done."}})
        )
        assert done["status"] == "completed"
        assert done["incident_updates"][0]["body"] == "Done."
        assert Component.objects.get(pk=web.pk).status == "operational"
        assert Event.objects.filter(kind=EventKind.MAINTENANCE_COMPLETED).count() == 1

    def test_a_maintenance_without_its_window_is_refused(self, page, keys):
        body = {"incident": {"name": "Upgrade", "status": "scheduled"}}
        message = _error(V1(keys["write"]).send("post", f"/pages/{page.code}/incidents", body), 422)
        assert "scheduled_for" in message
        assert not Maintenance.objects.exists()


class TestComponentsAndGroups:
    def test_a_component_is_created_changed_and_deleted(self, page, keys):
        api = V1(keys["admin"])
        group = page.groups.get()
        created = api.form(
            "post",
            f"/pages/{page.code}/components",
            [
                ("component[name]", "Search"),
                ("component[description]", "Finding things"),
                ("component[group_id]", group.code),
                ("component[showcase]", "false"),
            ],
        )
        data = _json(created, 201)
        assert data["group_id"] == group.code and data["showcase"] is False
        path = f"/pages/{page.code}/components/{data['id']}"
        changed = _json(api.form("patch", path, [("component[status]", "partial_outage")]))
        assert changed["status"] == "partial_outage"
        event = Event.objects.get(kind=EventKind.COMPONENT_STATUS_CHANGED)
        assert event.component.code == data["id"]
        assert AuditEntry.objects.filter(action="component.status").count() == 1
        assert api.send("delete", path).status_code == 204
        _error(api.get(path), 404)

    def test_a_group_is_made_of_components_and_changed(self, page, keys):
        api = V1(keys["admin"])
        web = page.components.get(name="Web")
        body = {"component_group": {"name": "Front", "components": [web.code]}}
        group = _json(api.send("post", f"/pages/{page.code}/component-groups", body), 201)
        assert group["components"] == [web.code]
        assert Component.objects.get(pk=web.pk).group.code == group["id"]
        path = f"/pages/{page.code}/component-groups/{group['id']}"
        renamed = _json(api.form("patch", path, [("component_group[name]", "Frontend")]))
        assert renamed["name"] == "Frontend"
        assert api.send("delete", path).status_code == 204
        assert Component.objects.get(pk=web.pk).group is None

    def test_bad_component_input_is_named(self, page, keys):
        api = V1(keys["admin"])
        path = f"/pages/{page.code}/components/{page.components.first().code}"
        assert "status" in _error(
            api.send("patch", path, {"component": {"status": "on_fire"}}), 422
        )
        assert "group_id" in _error(
            api.send("patch", path, {"component": {"group_id": "nope"}}), 422
        )
        body = {"component_group": {"name": "Empty", "components": []}}
        assert "components" in _error(
            api.send("post", f"/pages/{page.code}/component-groups", body), 422
        )
        assert Component.objects.filter(status="operational").count() == 2


class TestPagesTemplatesSubscribers:
    def test_the_page_is_changed_by_an_admin_key(self, page, keys):
        api = V1(keys["admin"])
        data = _json(
            api.form(
                "patch",
                f"/pages/{page.code}",
                [("page[name]", "Acme Status"), ("page[time_zone]", "Europe/Paris")],
            )
        )
        assert data["name"] == "Acme Status" and data["time_zone"] == "Europe/Paris"
        assert "time_zone" in _error(
            api.send("patch", f"/pages/{page.code}", {"page": {"time_zone": "Mars/Base"}}), 422
        )

    def test_a_template_is_saved_through_the_console_lifecycle(self, page, keys):
        api = V1(keys["write"])
        web = page.components.get(name="Web")
        created = api.form(
            "post",
            f"/pages/{page.code}/incident_templates",
            [
                ("template[name]", "Web down"),
                ("template[title]", "The web is down"),
                ("template[update_status]", "identified"),
                ("template[component_ids][]", web.code),
            ],
        )
        data = _json(created, 201)
        assert data["update_status"] == "identified"
        assert [c["id"] for c in data["components"]] == [web.code]
        assert IncidentTemplate.objects.get().components == {web.code: "major_outage"}
        assert AuditEntry.objects.filter(action="incident_template.save").count() == 1
        listed = _json(api.get(f"/pages/{page.code}/incident_templates"))
        assert [t["name"] for t in listed] == ["Web down"]
        again = api.send(
            "post",
            f"/pages/{page.code}/incident_templates",
            {"template": {"name": "Web down", "title": "Again"}},
        )
        assert "name" in _error(again, 422)

    def test_subscribers_are_added_listed_counted_and_removed(self, page, keys):
        api = V1(keys["write"])
        web = page.components.get(name="Web")
        created = api.form(
            "post",
            f"/pages/{page.code}/subscribers",
            [("subscriber[email]", "Ann@Example.com"), ("subscriber[component_ids][]", web.code)],
        )
        data = _json(created, 201)
        assert data["mode"] == "email" and data["email"] == "Ann@example.com"
        assert data["components"] == [web.code]
        subscriber = Subscriber.objects.get(code=data["id"])
        assert subscriber.confirmed_at is None
        confirm = Delivery.objects.get(subscriber=subscriber)
        assert confirm.notice.kind == NoticeKind.CONFIRM
        base = f"/pages/{page.code}/subscribers"
        assert _json(api.get(base)) == []
        assert [s["id"] for s in _json(api.get(base, state="unconfirmed"))] == [data["id"]]
        assert _json(api.get(f"{base}/count", state="all")) == {"count": 1}
        again = api.send("post", base, {"subscriber": {"email": "Ann@example.com"}})
        assert _error(again, 409)
        skip = {"subscriber": {"email": "bob@example.com", "skip_confirmation_notification": True}}
        assert "admin" in _error(api.send("post", base, skip), 403)
        added = _json(V1(keys["admin"]).send("post", base, skip), 201)
        assert Subscriber.objects.get(code=added["id"]).is_active
        assert [s["id"] for s in _json(api.get(base))] == [added["id"]]
        removed = _json(api.send("delete", f"{base}/{data['id']}"))
        assert removed["id"] == data["id"]
        assert Subscriber.objects.get(code=data["id"]).unsubscribed_at is not None
        assert [s["id"] for s in _json(api.get(f"{base}/unsubscribed"))] == [data["id"]]
        assert AuditEntry.objects.filter(action="subscriber.unsubscribe").count() == 1
        assert "email" in _error(api.send("post", base, {"subscriber": {"email": "nope"}}), 422)

    def test_sms_and_slack_subscribers_keep_the_channel_url_write_only(self, page, keys, settings):
        settings.NOTIFY_SMS_URL = "http://AC1:token@127.0.0.1:9/?from=%2B15005550006"
        settings.NOTIFY_ALLOW_PRIVATE = True
        api = V1(keys["write"])
        base = f"/pages/{page.code}/subscribers"
        texted = api.form(
            "post",
            base,
            [("subscriber[phone_number]", "099 123 4567"), ("subscriber[phone_country]", "EC")],
        )
        data = _json(texted, 201)
        assert data["mode"] == "sms" and data["phone_number"] == "+593991234567"
        assert data["display_phone_number"] == "+59…67"
        subscriber = Subscriber.objects.get(code=data["id"])
        assert not subscriber.is_active
        assert subscriber.deliveries.get().notice.kind == NoticeKind.SMS_CODE
        url = "http://127.0.0.1:9/slack/T0001/B0001/channelsecret"
        body = {"subscriber": {"endpoint": url, "mode": "slack"}}
        slack = _json(api.send("post", base, body), 201)
        assert slack["mode"] == "slack" and slack["endpoint"] is None
        assert slack["obfuscated_channel_name"].startswith("127.0.0.1 #")
        listed = api.get(base, type="slack", state="unconfirmed")
        assert b"channelsecret" not in listed.content
        assert [s["id"] for s in _json(listed)] == [slack["id"]]
        bad = api.form("post", base, [("subscriber[phone_number]", "12")])
        assert "phone_number" in _error(bad, 422)


class TestErrors:
    def test_bad_bodies_are_answered_in_statuspages_shape(self, page, keys):
        api = V1(keys["write"])
        path = f"/pages/{page.code}/incidents"
        assert "incident" in _error(api.send("post", path, {"name": "bare"}), 400)
        raw = api.client.post(
            f"/v1{path}", "{oops", content_type="application/json", headers=api.headers
        )
        assert "JSON" in _error(raw, 400)
        assert "name" in _error(api.send("post", path, {"incident": {"status": "identified"}}), 422)
        bad = {"incident": {"name": "X", "status": "on_fire"}}
        assert "status" in _error(api.send("post", path, bad), 422)
        unknown = {"incident": {"name": "X", "components": {"zzzzzz": "major_outage"}}}
        assert "zzzzzz" in _error(api.send("post", path, unknown), 422)
        impact = {"incident": {"name": "X", "impact_override": "huge"}}
        assert "impact_override" in _error(api.send("post", path, impact), 422)
        assert not Incident.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="incident").exists()

    def test_unknown_pages_paths_and_methods(self, page, keys):
        api = V1(keys["admin"])
        _error(api.get("/pages/nopage000000/incidents"), 404)
        _error(api.get(f"/pages/{page.code}/incidents/nothing"), 404)
        _error(api.get("/nothing/here"), 404)
        response = api.send("delete", f"/pages/{page.code}/incidents/unresolved")
        _error(response, 405)
        assert "GET" in response["Allow"]

    def test_a_failure_on_our_side_is_answered_in_the_same_shape(self, page, keys, monkeypatch):
        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(lifecycle, "create_incident", broken)
        response = V1(keys["write"]).send(
            "post", f"/pages/{page.code}/incidents", {"incident": {"name": "X"}}
        )
        message = _error(response, 500)
        assert "nothing was changed" in message and "disk" not in message

    def test_what_aviso_does_not_support_says_so(self, page, keys):
        api = V1(keys["read"])
        for path in (
            f"/pages/{page.code}/metrics",
            f"/pages/{page.code}/page_access_users",
            f"/pages/{page.code}/components/{page.components.first().code}/uptime",
        ):
            assert "does not support" in _error(api.get(path), 501)
        _error(V1(None).get(f"/pages/{page.code}/metrics"), 401)
