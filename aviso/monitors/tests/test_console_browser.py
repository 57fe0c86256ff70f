"""The console's monitors in Debian's Chromium, as a responder: one flow on purpose.

A monitor of every kind is created through its own form, all on 127.0.0.1
(the wrong URL scheme for the WebSocket one is refused on its field, then
corrected); "test now" checks the HTTP target before saving; then the real
checker runs in this process and the live list shows the HTTP monitor go from
up to down when its target stops listening, without the page reloading.
Screenshots of the list and the detail page land in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import pytest

from aviso.console.tests.base import PASSWORD
from aviso.console.tests.test_browser import Steps
from aviso.detection.tests.test_latency import CheckerThread
from aviso.monitors.configs import CONF_BY_KIND
from aviso.monitors.tests.probing import closed_port
from aviso.monitors.tests.targets import HttpTarget
from aviso.testing import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PORT = closed_port()  # the paused monitors are never checked; their port is just a number
# What each kind's form needs beyond its defaults (``url`` for HTTP comes from the target).
KIND_FIELDS = {
    "http": {},
    "tls": {"host": "127.0.0.1", "port": str(PORT)},
    "tcp": {"host": "127.0.0.1", "port": str(PORT)},
    "dns": {"name": "status.example", "server": "127.0.0.1", "port": str(PORT)},
    "heartbeat": {"period_seconds": "600"},
    "postgres": {"dsn": f"postgresql://aviso@127.0.0.1:{PORT}/aviso"},
    "redis": {"host": "127.0.0.1", "port": str(PORT), "password": "redis-pw"},
    "mysql": {"host": "127.0.0.1", "port": str(PORT), "username": "aviso"},
    "smtp": {"host": "127.0.0.1", "port": str(PORT)},
    "websocket": {"url": f"ws://127.0.0.1:{PORT}/live", "send": "ping", "expect": "pong"},
    "mqtt": {"host": "127.0.0.1", "port": str(PORT), "topic": "aviso/probe"},
    "amqp": {"host": "127.0.0.1", "port": str(PORT), "queue": "jobs"},
    "nats": {"host": "127.0.0.1", "port": str(PORT), "subject": "health"},
    "grpc": {"host": "127.0.0.1", "port": str(PORT)},
    "ping": {"host": "127.0.0.1"},
    "browser": {"url": f"http://127.0.0.1:{PORT}/", "expected_text": "Welcome"},
}


@pytest.fixture
def people(db):
    return make_person("responder", "responder", password=PASSWORD)


@pytest.fixture
def target():
    target = HttpTarget()
    yield target
    target.stop()


def _fill(page, kind: str, fields: dict) -> None:
    for name, value in fields.items():
        page.fill(f"#id_config_{name}", value)


def _create(steps: Steps, kind: str, fields: dict, *, paused: bool = True) -> None:
    from playwright.sync_api import expect

    page = steps.page
    steps.go(f"/console/monitors/new/?kind={kind}")
    expect(page.locator("#kind-settings")).to_have_attribute("data-kind", kind)
    page.fill("#id_name", f"{kind} on 127.0.0.1")
    page.fill("#id_interval_seconds", "10")
    page.fill("#id_timeout_seconds", "2")
    page.fill("#id_confirmations_down", "1")
    _fill(page, kind, fields)
    if paused:
        page.check("#id_paused")
    if kind == "websocket":
        # One mistake, shown on its field with what was typed kept, then corrected.
        page.fill("#id_config_url", f"http://127.0.0.1:{PORT}/live")
        page.click("button[name=save]")
        error = page.locator("#id_config_url_error")
        expect(error).to_contain_text("must be a ws:// or wss:// URL with a host")
        expect(page.locator("#id_name")).to_have_value("websocket on 127.0.0.1")
        steps.shot("monitors-form-error")
        page.fill("#id_config_url", fields["url"])
    page.click("button[name=save]")
    expect(page.locator(".messages")).to_contain_text("Monitor created.")


def _flow(steps: Steps, target: HttpTarget) -> None:
    from playwright.sync_api import expect

    page = steps.page
    steps.go("/console/login/")
    page.fill("#id_username", "responder")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("nav")).to_contain_text("Monitors")

    # The kind picker, then switching kinds in the form swaps in that kind's fields.
    steps.go("/console/monitors/new/")
    page.click("a[data-kind=http]")
    expect(page.locator("#id_config_url")).to_be_visible()
    page.fill("#id_name", "Shop")
    page.select_option("#id_kind", "amqp")
    expect(page.locator("#kind-settings")).to_have_attribute("data-kind", "amqp")
    expect(page.locator("#id_config_vhost")).to_have_value("/")
    expect(page.locator("#id_name")).to_have_value("Shop")  # typed, kept

    # "Test now" on the HTTP form: the result shows, nothing is saved.
    page.select_option("#id_kind", "http")
    expect(page.locator("#id_config_url")).to_be_visible()
    page.fill("#id_config_url", target.url + "/")
    page.fill("#id_config_keyword", "All good")
    page.click("button[name=test]")
    expect(page.locator("#test-result [data-status]")).to_have_attribute("data-status", "up")
    expect(page.locator("#test-result")).to_contain_text("ms")
    steps.shot("monitors-test-now")

    for kind, fields in KIND_FIELDS.items():
        if kind == "http":
            fields = {"url": target.url + "/", "keyword": "All good"}
        _create(steps, kind, fields, paused=kind != "http")

    steps.go("/console/monitors/")
    expect(page.locator("h1")).to_contain_text(f"({len(CONF_BY_KIND)})")
    for kind in CONF_BY_KIND:
        expect(page.locator("tbody")).to_contain_text(f"{kind} on 127.0.0.1")


def _live(steps: Steps, target: HttpTarget) -> None:
    from playwright.sync_api import expect

    page = steps.page
    steps.go("/console/monitors/")
    row = page.locator("tr", has_text="http on 127.0.0.1")
    page.evaluate("window.notReloaded = true")
    expect(row).to_have_attribute("data-state", "up", timeout=45_000)
    expect(row.locator(".checks i.up").first).to_be_visible()
    expect(row).to_contain_text(" ms")
    target.close_listener()
    expect(row).to_have_attribute("data-state", "down", timeout=45_000)
    expect(row.locator(".checks i.down").first).to_be_visible()
    assert page.evaluate("window.notReloaded") is True  # the same page, rows swapped in
    steps.shot("monitors-live-list")
    row.locator("a").click()
    expect(page.locator(".latency-chart")).to_be_visible()
    expect(page.locator(".latency-chart text.time").first).to_be_visible()
    steps.shot("monitors-detail")


def test_a_responder_creates_every_kind_tests_one_and_watches_it_go_down(
    people,
    target,
    live_server,
    browser,  # noqa: F811
):
    # ``people`` comes before ``browser``: no ORM inside Playwright's event loop.
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    steps = Steps(context.new_page(), live_server.url)
    checker = None
    try:
        _flow(steps, target)
        # The checker starts once the forms are done: on SQLite's shared in-memory test
        # database its writes lock the tables for a moment, which a form post would meet.
        checker = CheckerThread()
        _live(steps, target)
    except Exception:
        steps.shot("monitors-failure")
        raise
    finally:
        if checker is not None:
            checker.stop()
        context.close()
