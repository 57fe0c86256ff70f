"""Console screens: the list's bounded queries, the detail chart, the forms.

How fast the list stays at 50,000 monitors is measured by ``bench/scale.py``."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from aviso.lib.ids import new_code
from aviso.monitors import urls as monitor_urls
from aviso.monitors.charts import latency_chart
from aviso.monitors.models import Monitor, Result
from aviso.monitors.tests.factories import make_monitor
from aviso.testing import make_component, make_page, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client):
    client.force_login(make_person("oncall", "responder"))
    return client


def many_monitors(count: int, component=None) -> None:
    now = timezone.now()
    states = ["up", "up", "up", "degraded", "down"]
    Monitor.objects.bulk_create(
        (
            Monitor(code=new_code(), ping_key=uuid.uuid4(), name=f"svc {i:05d}",
                    kind="http" if i % 3 else "tcp", config={}, state=states[i % 5],
                    last_latency_ms=i % 700, last_checked_at=now, next_due_at=now,
                    component=component if i % 10 == 0 else None)
            for i in range(count)
        ),
        batch_size=2000,
    )  # fmt: skip


class TestMonitorList:
    def test_it_runs_a_bounded_number_of_queries_whatever_the_filter(
        self, console, django_assert_max_num_queries
    ):
        component = make_component(make_page())
        many_monitors(2_000, component)
        for params in [
            {},
            {"page": "30"},
            {"page": "500"},  # past the end: the last page, not an error
            {"state": "down", "kind": "http", "page": "3"},
            {"q": "svc 1999"},
            {"component": component.code, "paused": "no"},
        ]:
            # session, user, role, liveness, count, page (+ savepoint), and the console
            # frame's fixed three: the operator's language, the second-factor check
            # and the dead-outbox banner
            with django_assert_max_num_queries(10):
                answer = console.get("/console/monitors/", params)
            assert answer.status_code == 200, params
        page = console.get("/console/monitors/", {"state": "down", "q": "svc 0"}).content.decode()
        assert "svc 00004" in page and "svc 00009" in page and "svc 00001" not in page

    def test_it_needs_a_login(self, client):
        assert client.get("/console/monitors/").status_code == 302


class TestMonitorDetail:
    def test_it_draws_the_response_time_chart(self, console, django_assert_max_num_queries):
        monitor = make_monitor("db")
        now = timezone.now()
        Result.objects.bulk_create(
            Result(monitor=monitor, due_at=now - dt.timedelta(minutes=i),
                   checked_at=now - dt.timedelta(minutes=i), status="down" if i == 3 else "up",
                   latency_ms=None if i == 3 else 10 + i)
            for i in range(500)
        )  # fmt: skip
        # the console frame: role, liveness, language, second factor, dead-outbox banner
        with django_assert_max_num_queries(11):
            page = console.get(f"/console/monitors/{monitor.code}/").content.decode()
        assert page.count("<svg") == 1
        assert 'aria-label="Response time, 300 checks' in page
        assert page.count("<polyline") == 2  # the failed check breaks the line
        chart = page[page.index("<svg") : page.index("</svg>")]
        assert "<script" not in chart  # the chart is drawn by the server, no script

    def test_the_chart_is_empty_without_results(self):
        assert latency_chart([]) == ""


class TestMonitorForms:
    def test_it_creates_a_monitor(self, console):
        answer = console.post("/console/monitors/new/", {
            "name": "Shop", "kind": "http", "interval_seconds": 30, "timeout_seconds": 5,
            "confirmations_down": 2, "confirmations_up": 1,
            "config": json.dumps({"url": "https://shop.example/", "keyword": "Buy"}),
        })  # fmt: skip
        monitor = Monitor.objects.get()
        assert answer.status_code == 302
        assert answer["Location"] == f"/console/monitors/{monitor.code}/"
        assert monitor.config["keyword"] == "Buy"

    def test_it_comes_back_with_what_was_typed_and_field_messages(self, console):
        typed = json.dumps({"url": "gopher://x", "expected_status": []})
        answer = console.post("/console/monitors/new/", {
            "name": "Shop", "kind": "http", "interval_seconds": 3, "timeout_seconds": 1,
            "confirmations_down": 2, "confirmations_up": 1, "config": typed,
        })  # fmt: skip
        page = answer.content.decode()
        assert answer.status_code == 400
        assert "url: must be an http:// or https:// URL with a host" in page
        assert "expected_status: list at least one status code" in page
        assert "gopher://x" in page
        assert not Monitor.objects.exists()

    def test_it_refuses_json_that_is_not_an_object(self, console):
        answer = console.post("/console/monitors/new/", {
            "name": "x", "kind": "tcp", "interval_seconds": 30, "timeout_seconds": 1,
            "confirmations_down": 1, "confirmations_up": 1, "config": "[1, 2",
        })  # fmt: skip
        assert "Not valid JSON" in answer.content.decode()

    def test_it_edits_pauses_and_deletes(self, console):
        monitor = make_monitor("old")
        form = console.get(f"/console/monitors/{monitor.code}/edit/").content.decode()
        assert "&quot;host&quot;: &quot;127.0.0.1&quot;" in form
        answer = console.post(f"/console/monitors/{monitor.code}/edit/", {
            "name": "new", "kind": "tcp", "interval_seconds": 60, "timeout_seconds": 3,
            "confirmations_down": 3, "confirmations_up": 1,
            "config": json.dumps({"host": "db", "port": 5432}),
        })  # fmt: skip
        assert answer.status_code == 302
        monitor.refresh_from_db()
        assert (monitor.name, monitor.config["port"], monitor.confirmations_down) == (
            "new",
            5432,
            3,
        )
        console.post(f"/console/monitors/{monitor.code}/pause/")
        assert Monitor.objects.get().paused
        console.post(f"/console/monitors/{monitor.code}/delete/")
        assert not Monitor.objects.exists()


class TestEveryMonitorConsoleRoute:
    """Every console route of the monitors app, read from its URL conf."""

    ROUTES = [p for p in monitor_urls.urlpatterns if str(p.pattern).startswith("console/")]

    def _url(self, pattern) -> str:
        kwargs = {name: "abc" for name in pattern.pattern.converters}
        return reverse(f"monitors:{pattern.name}", kwargs=kwargs)

    def test_a_viewer_changes_nothing_and_anonymous_is_sent_to_sign_in(self, client):
        assert len(self.ROUTES) >= 6
        for pattern in self.ROUTES:
            assert client.post(self._url(pattern)).status_code == 302
        client.force_login(make_person("watcher", "viewer"))
        for pattern in self.ROUTES:
            assert client.post(self._url(pattern)).status_code in (403, 405), pattern.name
        assert client.get(reverse("monitors:list")).status_code == 200
        client.force_login(make_user("nobody"))
        assert client.get(reverse("monitors:list")).status_code == 403
