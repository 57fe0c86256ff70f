"""Contract tests: /api/v2/*.json against Statuspage's captured responses."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aviso.api import statuspage
from aviso.demo import seed
from aviso.demo.loader import load_demo
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

# Statuspage's captured responses (copied from the project's reference folder).
REFERENCE = Path(__file__).parent / "reference"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
TIME_KEYS = {
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "started_at",
    "display_at",
    "scheduled_for",
    "scheduled_until",
}
ENDPOINT_KEYS = {
    "summary": ["page", "components", "incidents", "scheduled_maintenances", "status"],
    "status": ["page", "status"],
    "components": ["page", "components"],
    "incidents": ["page", "incidents"],
    "incidents/unresolved": ["page", "incidents"],
    "scheduled-maintenances": ["page", "scheduled_maintenances"],
    "scheduled-maintenances/upcoming": ["page", "scheduled_maintenances"],
    "scheduled-maintenances/active": ["page", "scheduled_maintenances"],
}
SAMPLE_FILES = {
    "summary": "discord_summary_2022.json",
    "status": "discord_status_2022.json",
    "components": "discord_components_2022.json",
    "incidents": "discord_incidents_2022.json",
    "incidents/unresolved": "discord_incidents_unresolved_2022.json",
    "scheduled-maintenances": "discord_scheduled_maintenances_2022.json",
    "scheduled-maintenances/upcoming": "discord_scheduled_maintenances_upcoming_2022.json",
    "scheduled-maintenances/active": "discord_scheduled_maintenances_active_2022.json",
}


def _sample(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def _keys(obj: dict) -> list[str]:
    return list(obj.keys())


@pytest.fixture
def demo():
    """The seed's page, plus one open incident and a maintenance in every state."""
    page = load_demo()
    whatsapp = page.components.get(name="WhatsApp Messaging Service")
    web = page.components.get(name="Web Chat")
    lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="Web chat slow",
        body="Looking into it.",
        components={web: "degraded_performance"},
    )
    now = timezone.now()
    planned = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Database upgrade",
        scheduled_for=now + dt.timedelta(days=3),
        scheduled_until=now + dt.timedelta(days=3, hours=2),
        components=[whatsapp],
    )
    sooner = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Cache resize",
        scheduled_for=now + dt.timedelta(days=1),
        scheduled_until=now + dt.timedelta(days=1, hours=1),
    )
    running = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Network work",
        scheduled_for=now - dt.timedelta(minutes=30),
        scheduled_until=now + dt.timedelta(hours=1),
        components=[whatsapp],
    )
    lifecycle.start_maintenance(running, actor=SYSTEM)
    done = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Old migration",
        scheduled_for=now - dt.timedelta(days=5),
        scheduled_until=now - dt.timedelta(days=5) + dt.timedelta(hours=1),
    )
    lifecycle.start_maintenance(done, actor=SYSTEM, at=now - dt.timedelta(days=5))
    lifecycle.complete_maintenance(done, actor=SYSTEM, at=now - dt.timedelta(days=5))
    dropped = lifecycle.schedule_maintenance(
        page,
        actor=SYSTEM,
        name="Dropped plan",
        scheduled_for=now + dt.timedelta(days=9),
        scheduled_until=now + dt.timedelta(days=9, hours=1),
    )
    lifecycle.cancel_maintenance(dropped, actor=SYSTEM)
    page.refresh_from_db()
    page.test_maintenances = {"planned": planned, "sooner": sooner, "running": running}
    return page


def _get(name: str) -> dict:
    response = Client().get(f"/api/v2/{name}.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _walk_times(obj, found: list[str]) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in TIME_KEYS and value is not None:
                found.append(value)
            _walk_times(value, found)
    elif isinstance(obj, list):
        for item in obj:
            _walk_times(item, found)


class TestKeySets:
    @pytest.mark.parametrize("name", list(ENDPOINT_KEYS))
    def test_it_answers_each_endpoint_with_the_samples_top_level_keys(self, demo, name):
        data = _get(name)
        assert _keys(data) == ENDPOINT_KEYS[name]
        assert _keys(data) == _keys(_sample(SAMPLE_FILES[name]))
        assert _keys(data["page"]) == _keys(_sample(SAMPLE_FILES[name])["page"])

    def test_it_gives_components_and_groups_the_samples_keys(self, demo):
        sample_component = _sample("discord_components_2022.json")["components"][0]
        sample_group = next(c for c in _sample("twilio_summary.json")["components"] if c["group"])
        components = _get("components")["components"]
        plain = [c for c in components if not c["group"]]
        groups = [c for c in components if c["group"]]
        assert len(plain) == 8 and len(groups) == 2
        for component in plain:
            assert _keys(component) == _keys(sample_component)
        for group in groups:
            # Twilio's capture predates start_date; everything else matches in order.
            assert set(group) == set(sample_group) | {"start_date"}
            assert _keys(group)[-1] == "components"

    def test_it_gives_incidents_and_updates_the_samples_keys(self, demo):
        sample = _sample("discord_incidents_2022.json")["incidents"][0]
        incidents = _get("incidents")["incidents"]
        assert len(incidents) == 4
        for incident in incidents:
            assert _keys(incident) == _keys(sample)
            for update in incident["incident_updates"]:
                assert _keys(update) == _keys(sample["incident_updates"][0])
                for change in update["affected_components"] or []:
                    assert _keys(change) == _keys(
                        sample["incident_updates"][0]["affected_components"][0]
                    )
            for component in incident["components"]:
                assert _keys(component) == _keys(sample["components"][0])

    def test_it_gives_maintenances_the_samples_keys(self, demo):
        sample = _sample("discord_scheduled_maintenances_2022.json")["scheduled_maintenances"][0]
        maintenances = _get("scheduled-maintenances")["scheduled_maintenances"]
        assert len(maintenances) == 4  # the cancelled one is left out
        for maintenance in maintenances:
            assert _keys(maintenance) == _keys(sample)
            for update in maintenance["incident_updates"]:
                assert _keys(update) == _keys(sample["incident_updates"][0])


class TestValues:
    def test_it_uses_statuspage_enums(self, demo):
        summary = _get("summary")
        component_statuses = {
            "operational",
            "degraded_performance",
            "partial_outage",
            "major_outage",
            "under_maintenance",
        }
        assert {c["status"] for c in summary["components"]} <= component_statuses
        incidents = _get("incidents")["incidents"]
        assert {i["status"] for i in incidents} <= {
            "investigating",
            "identified",
            "monitoring",
            "resolved",
            "postmortem",
        }
        assert {i["impact"] for i in incidents} <= {"none", "minor", "major", "critical"}
        maintenances = _get("scheduled-maintenances")["scheduled_maintenances"]
        assert {m["status"] for m in maintenances} == {"scheduled", "in_progress", "completed"}
        assert {m["impact"] for m in maintenances} == {"maintenance"}

    def test_it_writes_every_time_with_milliseconds_and_the_page_offset(self, demo):
        for name in ENDPOINT_KEYS:
            found: list[str] = []
            _walk_times(_get(name), found)
            assert found, name
            for value in found:
                assert TIMESTAMP.match(value), value
                # America/Guayaquil is UTC-5 all year.
                assert value.endswith("-05:00"), value
                assert dt.datetime.fromisoformat(value).tzinfo is not None

    def test_it_writes_z_for_a_page_in_utc(self):
        page = make_page(name="Utc", time_zone="Etc/UTC")
        make_component(page)
        data = statuspage.components(page)
        assert data["page"]["updated_at"].endswith("Z")
        assert data["components"][0]["created_at"].endswith("Z")

    def test_it_writes_ids_as_twelve_base36_characters(self, demo):
        summary = _get("summary")
        ids = [summary["page"]["id"]] + [c["id"] for c in summary["components"]]
        assert all(re.fullmatch(r"[0-9a-z]{12}", i) for i in ids)

    def test_it_carries_the_seeds_incidents_with_postmortems(self, demo):
        incidents = _get("incidents")["incidents"]
        names = [i["name"] for i in incidents]
        for spec in seed.INCIDENTS:
            assert spec["name"] in names
        seeded = [i for i in incidents if i["name"] != "Web chat slow"]
        assert {i["status"] for i in seeded} == {"postmortem"}
        # The peak impact stays after the components recover.
        assert all(i["impact"] != "none" for i in seeded)
        assert all(i["resolved_at"] for i in seeded)

    def test_it_names_grouped_components_group_dash_component_in_updates(self, demo):
        incidents = _get("incidents")["incidents"]
        names = {
            change["name"]
            for incident in incidents
            for update in incident["incident_updates"]
            for change in update["affected_components"] or []
        }
        assert "Messaging Channels - Web Chat" in names

    def test_it_gives_a_group_its_worst_childs_status(self, demo):
        components = _get("components")["components"]
        channels = next(c for c in components if c["name"] == "Messaging Channels")
        # Web Chat is degraded; WhatsApp is under maintenance.
        assert channels["status"] == "degraded_performance"
        children = [c for c in components if c["group_id"] == channels["id"]]
        assert [c["id"] for c in children] == channels["components"] or sorted(
            c["id"] for c in children
        ) == sorted(channels["components"])

    def test_it_derives_the_indicator_from_component_statuses(self, demo):
        status = _get("status")["status"]
        assert status == {"indicator": "minor", "description": "Partially Degraded Service"}

    def test_it_says_all_operational_on_a_quiet_page(self):
        page = make_page()
        make_component(page)
        assert statuspage.status(page)["status"] == {
            "indicator": "none",
            "description": "All Systems Operational",
        }


class TestOrdering:
    def test_it_lists_incidents_and_updates_newest_first(self, demo):
        incidents = _get("incidents")["incidents"]
        created = [dt.datetime.fromisoformat(i["created_at"]) for i in incidents]
        assert created == sorted(created, reverse=True)
        for incident in incidents:
            shown = [
                dt.datetime.fromisoformat(u["display_at"]) for u in incident["incident_updates"]
            ]
            assert shown == sorted(shown, reverse=True)

    def test_it_lists_only_unresolved_incidents_in_summary_and_unresolved(self, demo):
        for name in ("summary", "incidents/unresolved"):
            incidents = _get(name)["incidents"]
            assert [i["name"] for i in incidents] == ["Web chat slow"]
            assert incidents[0]["status"] == "investigating"
            assert incidents[0]["impact"] == "minor"

    def test_it_sorts_summary_maintenances_by_start(self, demo):
        maintenances = _get("summary")["scheduled_maintenances"]
        assert [m["name"] for m in maintenances] == [
            "Network work",
            "Cache resize",
            "Database upgrade",
        ]

    def test_it_splits_upcoming_and_active(self, demo):
        upcoming = _get("scheduled-maintenances/upcoming")["scheduled_maintenances"]
        active = _get("scheduled-maintenances/active")["scheduled_maintenances"]
        assert [m["name"] for m in upcoming] == ["Cache resize", "Database upgrade"]
        assert [m["name"] for m in active] == ["Network work"]
        assert active[0]["components"][0]["status"] == "under_maintenance"

    def test_it_sorts_components_by_position(self, demo):
        components = _get("components")["components"]
        positions = [c["position"] for c in components]
        assert positions == sorted(positions)
        assert min(positions) == 1


class TestHttp:
    def test_it_answers_head_with_headers_and_no_body(self, demo):
        client = Client()
        full = client.get("/api/v2/summary.json")
        head = client.head("/api/v2/summary.json")
        assert head.status_code == 200
        assert head.content == b""
        assert head["ETag"] == full["ETag"]
        assert int(head["Content-Length"]) == len(full.content)

    def test_it_accepts_a_doubled_slash(self, demo):
        response = Client().get("/", PATH_INFO="//api/v2/incidents.json")
        assert response.status_code == 200
        assert response.content == Client().get("/api/v2/incidents.json").content

    def test_it_is_open_to_every_origin(self, demo):
        response = Client().get("/api/v2/status.json", HTTP_ORIGIN="https://example.org")
        assert response["Access-Control-Allow-Origin"] == "*"
        preflight = Client().options("/api/v2/status.json")
        assert preflight.status_code == 204
        assert "GET" in preflight["Access-Control-Allow-Methods"]

    def test_it_answers_304_to_a_matching_etag_or_date(self, demo):
        client = Client()
        first = client.get("/api/v2/summary.json")
        assert first["Cache-Control"].startswith("public")
        again = client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b""
        dated = client.get("/api/v2/summary.json", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert dated.status_code == 304

    def test_it_changes_the_etag_when_the_page_changes(self, demo):
        client = Client()
        first = client.get("/api/v2/components.json")
        component = demo.components.get(name="Databases")
        lifecycle.set_component_status(component, "major_outage", actor=SYSTEM)
        after = client.get("/api/v2/components.json", HTTP_IF_NONE_MATCH=first["ETag"])
        assert after.status_code == 200
        assert after["ETag"] != first["ETag"]

    def test_it_renders_the_same_bytes_for_the_publisher(self, demo):
        for name in ENDPOINT_KEYS:
            assert statuspage.render(name, demo) == Client().get(f"/api/v2/{name}.json").content

    def test_it_answers_404_json_when_there_is_no_page(self):
        response = Client().get("/api/v2/summary.json")
        assert response.status_code == 404
        assert "error" in json.loads(response.content)

    def test_it_refuses_writes(self, demo):
        assert Client().post("/api/v2/summary.json").status_code == 405


class TestQueryCounts:
    # Page.default() is one of them; the rest are the endpoint's own.
    EXPECTED = {
        "summary": 10,
        "status": 3,
        "components": 4,
        "incidents": 7,
        "incidents/unresolved": 7,
        "scheduled-maintenances": 7,
        "scheduled-maintenances/upcoming": 7,
        "scheduled-maintenances/active": 7,
    }

    def _count(self, name: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(f"/api/v2/{name}.json").status_code == 200
        return len(queries.captured_queries)

    @pytest.mark.parametrize("name", list(ENDPOINT_KEYS))
    def test_it_runs_a_fixed_number_of_queries(self, demo, name):
        before = self._count(name)
        assert before == self.EXPECTED[name]
        web = demo.components.get(name="Web Chat")
        for index in range(5):
            incident = lifecycle.create_incident(
                demo, actor=SYSTEM, name=f"More {index}", components={web: "major_outage"}
            )
            lifecycle.post_update(incident, actor=SYSTEM, status="identified")
            lifecycle.schedule_maintenance(
                demo,
                actor=SYSTEM,
                name=f"Plan {index}",
                scheduled_for=timezone.now() + dt.timedelta(days=index + 1),
                scheduled_until=timezone.now() + dt.timedelta(days=index + 2),
                components=[web],
            )
        assert self._count(name) == before


class TestOverRealHttp:
    """Through a real HTTP server on an ephemeral port, as consumers call it."""

    def _request(self, live_server, method: str, path: str, headers=None):
        host, port = live_server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    @pytest.mark.django_db(transaction=True)
    def test_it_serves_head_doubled_slashes_and_304(self, live_server):
        page = make_page()
        make_component(page)
        status, headers, body = self._request(live_server, "GET", "//api/v2/summary.json")
        assert status == 200
        assert json.loads(body)["page"]["id"] == page.code
        assert headers["Access-Control-Allow-Origin"] == "*"
        status, head_headers, head_body = self._request(live_server, "HEAD", "/api/v2/summary.json")
        assert status == 200 and head_body == b""
        assert head_headers["ETag"] == headers["ETag"]
        status, _, body = self._request(
            live_server, "GET", "/api/v2/summary.json", {"If-None-Match": headers["ETag"]}
        )
        assert status == 304 and body == b""
