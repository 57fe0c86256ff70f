"""/api/v1/monitors, mounted on a local NinjaAPI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from aviso.monitors.models import Monitor, Result, Rollup
from aviso.monitors.tests.factories import make_monitor
from aviso.status.models import AuditEntry
from aviso.testing import make_component, make_page, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("aviso.monitors.tests.api_urls")]
URL = "/api/v1/monitors"


@pytest.fixture
def api(client):
    client.force_login(make_user())
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


class TestMonitorsApi:
    def test_it_refuses_anonymous_callers(self, client):
        assert client.get(URL).status_code == 401
        assert post(client, URL, {"name": "x", "kind": "tcp", "config": {}}).status_code == 401
        assert not Monitor.objects.exists()

    def test_it_creates_a_monitor_linked_to_a_component(self, api):
        component = make_component(make_page())
        answer = post(
            api,
            URL,
            {
                "name": "Checkout",
                "kind": "http",
                "component": component.code,
                "config": {"url": "https://shop.example/health", "keyword": "ok"},
                "interval_seconds": 30,
                "regions": ["eu", "us"],
            },
        )
        assert answer.status_code == 201, answer.content
        body = answer.json()
        assert (body["component"], body["regions"], body["state"]) == (
            component.code,
            ["eu", "us"],
            "unknown",
        )
        assert body["config"]["expected_status"][0] == 200  # defaults filled in
        assert AuditEntry.objects.filter(action="monitor.create").count() == 1

    def test_it_refuses_a_bad_config_with_field_messages_and_stores_nothing(self, api):
        answer = post(
            api,
            URL,
            {
                "name": "",
                "kind": "http",
                "interval_seconds": 5,
                "config": {"url": "ftp://x", "method": "FETCH", "bogus": 1},
            },
        )
        assert answer.status_code == 422
        assert answer["Content-Type"] == "application/problem+json"
        errors = answer.json()["errors"]
        assert set(errors) == {
            "name",
            "interval_seconds",
            "config.url",
            "config.method",
            "config.bogus",
        }
        assert "http:// or https://" in errors["config.url"]
        assert not Monitor.objects.exists()

    def test_it_refuses_an_unknown_component(self, api):
        answer = post(
            api,
            URL,
            {
                "name": "x",
                "kind": "tcp",
                "component": "nope",
                "config": {"host": "db", "port": 5432},
            },
        )
        assert (answer.status_code, list(answer.json()["errors"])) == (422, ["component"])

    def test_it_changes_pauses_resumes_and_deletes(self, api):
        monitor = make_monitor()
        answer = patch(api, f"{URL}/{monitor.code}", {"name": "DB port", "interval_seconds": 20})
        assert answer.status_code == 200, answer.content
        assert (answer.json()["name"], answer.json()["interval_seconds"]) == ("DB port", 20)
        bad = patch(api, f"{URL}/{monitor.code}", {"config": {"host": "db"}})
        assert (bad.status_code, list(bad.json()["errors"])) == (422, ["config.port"])
        assert api.post(f"{URL}/{monitor.code}/pause").json()["paused"] is True
        assert api.post(f"{URL}/{monitor.code}/resume").json()["paused"] is False
        assert api.delete(f"{URL}/{monitor.code}").status_code == 204
        assert not Monitor.objects.exists()
        assert api.get(f"{URL}/{monitor.code}").status_code == 404

    def test_it_lists_with_filters_and_pages(self, api):
        for i in range(7):
            make_monitor(f"tcp {i}")
        make_monitor("web", kind="http", config={"url": "http://example.test/"})
        answer = api.get(URL, {"kind": "tcp", "limit": 5, "offset": 5})
        assert answer.json()["count"] == 7
        assert [m["name"] for m in answer.json()["results"]] == ["tcp 5", "tcp 6"]
        assert api.get(URL, {"q": "we"}).json()["count"] == 1
        assert api.get(URL, {"limit": 501}).status_code == 422

    def test_it_returns_recent_results_and_rollups(self, api):
        monitor = make_monitor()
        now = timezone.now()
        Result.objects.bulk_create(
            Result(
                monitor=monitor,
                due_at=now - dt.timedelta(seconds=60 * i),
                checked_at=now - dt.timedelta(seconds=60 * i),
                status="up",
                latency_ms=i,
            )
            for i in range(5)
        )
        Rollup.objects.create(
            monitor=monitor, hour=now.replace(minute=0, second=0, microsecond=0), up=60
        )
        results = api.get(f"{URL}/{monitor.code}/results", {"limit": 3}).json()
        assert [r["latency_ms"] for r in results] == [0, 1, 2]
        assert api.get(f"{URL}/{monitor.code}/rollups").json()[0]["up"] == 60

    def test_a_heartbeat_monitor_gives_its_ping_url(self, api):
        answer = post(
            api,
            URL,
            {
                "name": "backup",
                "kind": "heartbeat",
                "config": {"period_seconds": 86400, "grace_seconds": 3600},
            },
        )
        key = Monitor.objects.get().ping_key
        assert answer.json()["ping_url"].endswith(f"/ping/{key}")


class TestDependencies:
    def test_it_sets_shows_and_clears_the_monitor_depended_on(self, api):
        parent = make_monitor("database")
        answer = post(
            api,
            URL,
            {"name": "bots", "kind": "tcp", "depends_on": parent.code,
             "config": {"host": "127.0.0.1", "port": 9}},
        )  # fmt: skip
        assert answer.status_code == 201, answer.content
        child = answer.json()
        assert child["depends_on"] == parent.code
        listed = {m["name"]: m["depends_on"] for m in api.get(URL).json()["results"]}
        assert listed == {"database": None, "bots": parent.code}
        cleared = patch(api, f"{URL}/{child['code']}", {"depends_on": None})
        assert cleared.json()["depends_on"] is None

    def test_it_refuses_an_unknown_monitor_and_a_loop_field_by_field(self, api):
        parent = make_monitor("database")
        child = make_monitor("bots", depends_on=parent)
        unknown = post(
            api,
            URL,
            {"name": "x", "kind": "tcp", "depends_on": "nope",
             "config": {"host": "127.0.0.1", "port": 9}},
        )  # fmt: skip
        assert unknown.status_code == 422
        assert "nope" in unknown.json()["errors"]["depends_on"]
        loop = patch(api, f"{URL}/{parent.code}", {"depends_on": child.code})
        assert loop.status_code == 422
        assert "loop" in loop.json()["errors"]["depends_on"]
        assert Monitor.objects.get(pk=parent.pk).depends_on_id is None
