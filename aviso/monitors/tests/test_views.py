"""Console screens: the list's bounded queries, the detail chart, the forms.

How fast the list stays at 50,000 monitors is measured by ``bench/scale.py``."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from aviso.lib.ids import new_code
from aviso.monitors import urls as monitor_urls
from aviso.monitors.charts import latency_chart
from aviso.monitors.configs import CONF_BY_KIND
from aviso.monitors.models import Monitor, Result
from aviso.monitors.tests.factories import make_monitor
from aviso.monitors.tests.targets import HttpTarget
from aviso.testing import make_component, make_page, make_person, make_user

pytestmark = pytest.mark.django_db


COMMON = {"name": "x", "interval_seconds": 30, "timeout_seconds": 2,
          "confirmations_down": 2, "confirmations_up": 1}  # fmt: skip


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
        # the console frame: role, liveness, language, second factor, dead-outbox banner;
        # the incidents it caused
        with django_assert_max_num_queries(12):
            page = console.get(f"/console/monitors/{monitor.code}/").content.decode()
        assert page.count("<svg") == 1
        assert 'aria-label="Response time: 300 checks from ' in page
        # Time axis: round moments five hours apart at most, labelled in the operator's zone.
        labels = re.findall(r'<text class="time"[^>]*>([^<]+)</text>', page)
        assert 3 <= len(labels) <= 7 and all(re.fullmatch(r"\d\d:\d\d", t) for t in labels)
        assert ">0 ms</text>" in page and ">300 ms</text>" in page
        assert page.count("<polyline") == 2  # the failed check breaks the line
        chart = page[page.index("<svg") : page.index("</svg>")]
        assert "<script" not in chart  # the chart is drawn by the server, no script

    def test_the_chart_is_empty_without_results(self):
        assert latency_chart([]) == ""


class TestMonitorForms:
    def test_it_offers_every_kind_then_that_kinds_own_fields(self, console):
        kinds = console.get("/console/monitors/new/").content.decode()
        for kind in CONF_BY_KIND:
            assert f'data-kind="{kind}"' in kinds
        form = console.get("/console/monitors/new/", {"kind": "mysql"}).content.decode()
        assert 'name="config_host"' in form and 'name="config_database"' in form
        assert 'name="config_url"' not in form and 'name="config"' not in form  # no JSON box
        assert 'value="3306"' in form  # the kind's default port
        assert 'type="password" name="config_password"' in form

    def test_it_creates_a_monitor(self, console):
        answer = console.post("/console/monitors/new/", {
            **COMMON, "kind": "http", "shown_kind": "http", "name": "Shop",
            "config_url": "https://shop.example/", "config_keyword": "Buy",
            "config_method": "GET", "config_auth": "none", "config_expected_status": "200-204, 301",
            "config_headers": "Accept: text/html\nX-Api-Key: k-123",
            "config_follow_redirects": "on", "config_verify_tls": "on",
        })  # fmt: skip
        monitor = Monitor.objects.get()
        assert answer.status_code == 302, answer.content.decode()
        assert answer["Location"] == f"/console/monitors/{monitor.code}/"
        config = monitor.typed_config
        assert config.keyword == "Buy" and config.expected_status == [200, 201, 202, 203, 204, 301]
        assert config.headers == {"Accept": "text/html", "X-Api-Key": "k-123"}
        assert config.max_redirects == 5  # an empty box: the model's default

    def test_a_dependency_is_chosen_on_the_form_and_a_loop_is_refused_on_its_field(
        self, console
    ):
        fields = {**COMMON, "kind": "tcp", "shown_kind": "tcp", "config_host": "127.0.0.1",
                  "config_port": 5432}  # fmt: skip
        database = make_monitor(name="Database", kind="tcp")
        answer = console.post("/console/monitors/new/", {
            **fields, "name": "Bot platform", "depends_on": database.pk})  # fmt: skip
        assert answer.status_code == 302, answer.content.decode()
        bot = Monitor.objects.get(name="Bot platform")
        assert bot.depends_on == database
        answer = console.post(f"/console/monitors/{database.code}/edit/", {
            **fields, "name": "Database", "depends_on": bot.pk})  # fmt: skip
        assert answer.status_code == 400
        database.refresh_from_db()
        assert database.depends_on is None
        assert "Bot platform already depends on this monitor: that would be a loop." in (
            answer.content.decode()
        )

    def test_it_comes_back_with_what_was_typed_and_field_messages(self, console):
        answer = console.post("/console/monitors/new/", {
            **COMMON, "kind": "http", "shown_kind": "http", "interval_seconds": 3,
            "config_url": "gopher://x", "config_expected_status": "20x",
            "config_method": "GET", "config_auth": "none",
        })  # fmt: skip
        page = answer.content.decode()
        assert answer.status_code == 400
        assert "Codes and ranges such as 200-299, 301." in page
        assert "gopher://x" in page
        assert not Monitor.objects.exists()
        answer = console.post("/console/monitors/new/", {
            **COMMON, "kind": "http", "shown_kind": "http",
            "config_url": "gopher://x", "config_method": "GET", "config_auth": "basic",
        })  # fmt: skip
        page = answer.content.decode()
        assert "must be an http:// or https:// URL with a host" in page
        assert not Monitor.objects.exists()

    def test_a_rule_across_fields_is_shown_above_the_kinds_fields(self, console):
        answer = console.post("/console/monitors/new/", {
            **COMMON, "kind": "smtp", "shown_kind": "smtp", "config_host": "127.0.0.1",
            "config_tls": "none", "config_password": "pw", "config_warn_days": 21,
            "config_critical_days": 7,
        })  # fmt: skip
        assert answer.status_code == 400
        assert 'id="kind-error"><li>a password needs a username' in answer.content.decode()

    def test_changing_the_kind_shows_its_fields_and_keeps_the_common_ones(self, console):
        answer = console.post("/console/monitors/new/", {
            **COMMON, "name": "Broker", "kind": "amqp", "shown_kind": "tcp",
            "config_host": "mq.internal", "config_port": "1",
        })  # fmt: skip
        page = answer.content.decode()
        assert answer.status_code == 200 and not Monitor.objects.exists()
        assert 'name="config_vhost"' in page and 'value="Broker"' in page
        assert 'value="mq.internal"' in page and 'value="5672"' in page  # host kept, port not

    def test_secrets_are_write_only_and_an_empty_box_keeps_them(self, console):
        monitor = make_monitor(
            "cache", "redis", {"host": "127.0.0.1", "port": 6379, "password": "s3cret-pw"}
        )
        form = console.get(f"/console/monitors/{monitor.code}/edit/").content.decode()
        assert "s3cret-pw" not in form and "sealed:v1:" not in form
        assert 'value="127.0.0.1"' in form
        answer = console.post(f"/console/monitors/{monitor.code}/edit/", {
            **COMMON, "name": "cache 2", "kind": "redis", "shown_kind": "redis",
            "config_host": "127.0.0.1", "config_port": 6380, "config_password": "",
            "config_memory_warn": 0.8, "config_memory_critical": 0.95,
        })  # fmt: skip
        assert answer.status_code == 302, answer.content.decode()
        monitor.refresh_from_db()
        assert monitor.typed_config.password == "s3cret-pw" and monitor.typed_config.port == 6380

    def test_browser_steps_are_lines_and_their_errors_name_the_line(self, console):
        fields = {**COMMON, "kind": "browser", "shown_kind": "browser",
                  "config_url": "http://127.0.0.1:9/", "config_verify_tls": "on"}  # fmt: skip
        answer = console.post("/console/monitors/new/", {
            **fields, "config_steps": "click | #go\nfill | #q",
        })  # fmt: skip
        assert "2: fill needs a value" in answer.content.decode()
        answer = console.post("/console/monitors/new/", {
            **fields, "config_steps": "click | #go\nfill | #q | hello | world",
        })  # fmt: skip
        assert answer.status_code == 302
        steps = Monitor.objects.get().config["steps"]
        assert steps[1] == {"action": "fill", "selector": "#q", "value": "hello | world"}
        edit = console.get(answer["Location"] + "edit/").content.decode()
        assert "fill | #q | hello | world" in edit

    def test_test_now_runs_one_check_and_saves_nothing(self, console):
        target = HttpTarget()
        try:
            fields = {**COMMON, "kind": "http", "shown_kind": "http", "test": "1",
                      "config_url": target.url + "/", "config_method": "GET",
                      "config_auth": "none", "config_keyword": "All good"}  # fmt: skip
            answer = console.post("/console/monitors/new/", fields, headers={
                "HX-Request": "true", "HX-Target": "test-result"})  # fmt: skip
            fragment = answer.content.decode()
            assert answer.status_code == 200 and fragment.startswith('<div id="test-result"')
            assert 'data-status="up"' in fragment and " ms" in fragment
            target.close_listener()
            page = console.post("/console/monitors/new/", fields).content.decode()
            assert 'data-status="down"' in page and "cannot connect" in page
        finally:
            target.stop()
        assert not Monitor.objects.exists() and not Result.objects.exists()
        assert target.hits == 1

    def test_test_now_on_edit_uses_the_stored_secret_without_showing_it(self, console):
        from aviso.monitors.tests.test_probe_http_auth import BASIC, Guarded

        guarded = Guarded()
        try:
            monitor = make_monitor("private", "http", {
                "url": guarded.url + "/private", "auth": "basic",
                "username": "ops", "password": "pa55word"})  # fmt: skip
            form = console.get(f"/console/monitors/{monitor.code}/edit/").content.decode()
            assert "pa55word" not in form
            fields = {**COMMON, "kind": "http", "shown_kind": "http", "test": "1",
                      "config_url": guarded.url + "/private", "config_method": "GET",
                      "config_auth": "basic", "config_username": "ops",
                      "config_password": ""}  # fmt: skip
            answer = console.post(f"/console/monitors/{monitor.code}/edit/", fields, headers={
                "HX-Request": "true", "HX-Target": "test-result"})  # fmt: skip
            assert 'data-status="up"' in answer.content.decode()
            console.post(f"/console/monitors/{monitor.code}/edit/", {
                **fields, "config_password": "wrong"}, headers={
                "HX-Request": "true", "HX-Target": "test-result"})  # fmt: skip
        finally:
            guarded.stop()
        assert guarded.seen[0] == BASIC and guarded.seen[1] != BASIC
        monitor.refresh_from_db()
        assert monitor.typed_config.password == "pa55word"  # a trial changes nothing

    def test_test_now_says_what_to_fix_first(self, console):
        answer = console.post("/console/monitors/new/", {
            **COMMON, "kind": "tcp", "shown_kind": "tcp", "test": "1", "name": "",
            "config_host": "0xa9fea9fe", "config_port": 80,
        }, headers={"HX-Request": "true", "HX-Target": "test-result"})  # fmt: skip
        fragment = answer.content.decode()
        assert "Fix these before testing" in fragment
        assert "169.254.169.254" in fragment and "cloud metadata address" in fragment

    def test_it_edits_pauses_and_deletes(self, console):
        monitor = make_monitor("old")
        form = console.get(f"/console/monitors/{monitor.code}/edit/").content.decode()
        assert 'name="config_host"' in form and 'value="127.0.0.1"' in form
        answer = console.post(f"/console/monitors/{monitor.code}/edit/", {
            **COMMON, "name": "new", "kind": "tcp", "shown_kind": "tcp", "timeout_seconds": 3,
            "confirmations_down": 3, "config_host": "db", "config_port": 5432,
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


class TestLiveListAndBulk:
    def test_the_rows_carry_the_last_checks_and_come_again_by_themselves(
        self, console, django_assert_max_num_queries
    ):
        monitor = make_monitor("db")
        now = timezone.now()
        Result.objects.bulk_create(
            Result(monitor=monitor, due_at=now - dt.timedelta(minutes=i),
                   checked_at=now - dt.timedelta(minutes=i), status="down" if i < 2 else "up",
                   latency_ms=None if i < 2 else 12)
            for i in range(100)
        )  # fmt: skip
        page = console.get("/console/monitors/").content.decode()
        assert 'hx-get="/console/monitors/rows/?page=1" hx-trigger="every 5s"' in page
        with django_assert_max_num_queries(11):
            rows = console.get("/console/monitors/rows/", {"state": "unknown"}).content.decode()
        assert rows.startswith('<tbody id="monitor-rows"')
        assert 'aria-label="Last 30 checks: 28 up, 2 down"' in rows
        assert rows.count("<i class=") == 30
        assert rows.index('<i class="up"') < rows.index('<i class="down"')  # oldest first

    def test_bulk_pause_and_resume_go_through_the_lifecycle_with_audit_entries(self, console):
        from aviso.status.models import AuditEntry

        first, second, third = (make_monitor(n) for n in ("a", "b", "c"))
        answer = console.post("/console/monitors/bulk/", {
            "action": "pause", "codes": [first.code, second.code], "query": "kind=tcp&x=<",
        })  # fmt: skip
        assert answer.status_code == 302 and answer["Location"] == "/console/monitors/?kind=tcp"
        assert set(Monitor.objects.filter(paused=True).values_list("name", flat=True)) == {"a", "b"}
        assert AuditEntry.objects.filter(action="monitor.pause").count() == 2
        console.post("/console/monitors/bulk/", {
            "action": "resume", "codes": [first.code, third.code]})  # fmt: skip
        assert list(Monitor.objects.filter(paused=True).values_list("name", flat=True)) == ["b"]
        # Only the monitor that changed is audited (the third was not paused).
        assert AuditEntry.objects.filter(action="monitor.resume").count() == 1
        answer = console.post("/console/monitors/bulk/", {"action": "pause"})
        assert "Tick at least one monitor" in console.get(answer["Location"]).content.decode()


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
