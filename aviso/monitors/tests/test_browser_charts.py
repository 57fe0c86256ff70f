"""The response-time charts and the uptime report in real Chromium, with JavaScript off."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from django.utils import timezone

from aviso.demo.loader import load_demo
from aviso.monitors.models import Rollup
from aviso.monitors.rollups import hour_floor
from aviso.monitors.tests.factories import make_monitor
from aviso.status import lifecycle
from aviso.status.models import Component
from aviso.testing import CHROMIUM, SCREENSHOTS, SYSTEM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _measured_demo() -> None:
    """The demo page with 30 days of roll-ups on two components, one with a slow evening."""
    load_demo()
    now = hour_floor(timezone.now())
    for name, base in (("WhatsApp Messaging Service", 90.0), ("Bot Platform", 140.0)):
        component = Component.objects.get(name=name)
        lifecycle.update_component(component, actor=SYSTEM, show_response_times=True)
        monitor = make_monitor(f"{name} health", component=component)
        rows = []
        for i in range(1, 30 * 24 + 1):
            ms = base * (1 + 0.3 * math.sin(i * 2 * math.pi / 24)) + (i % 7) * 3
            if name == "Bot Platform" and 30 <= i <= 33:
                ms *= 6  # an evening the bots were slow
            hour = now - dt.timedelta(hours=i)
            rows.append(Rollup(monitor=monitor, hour=hour, up=60, latency_avg=ms,
                               latency_p95=ms * 1.6, latency_max=ms * 2))  # fmt: skip
        Rollup.objects.bulk_create(rows)
    # An outage this month, for the uptime report: began 40 min ago, opened 35, resolved 5.
    bots = Component.objects.get(name="Bot Platform")
    began = timezone.now() - dt.timedelta(minutes=40)
    incident = lifecycle.create_incident(
        bots.page, actor=SYSTEM, name="Bots not answering", components={bots: "major_outage"},
        started_at=began, display_at=began + dt.timedelta(minutes=5), notify=False,
    )  # fmt: skip
    lifecycle.resolve_incident(
        incident, actor=SYSTEM, display_at=began + dt.timedelta(minutes=35), notify=False
    )


def test_charts_and_the_uptime_report_read_without_javascript(live_server, browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _measured_demo()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1000, "height": 900},
                            java_script_enabled=False)  # fmt: skip
    page.goto(f"{live_server.url}/")
    charts = page.locator("svg.chart")
    assert charts.count() == 6  # two components, three ranges each
    assert charts.first.is_visible()  # the 24-hour chart is open
    box = charts.first.bounding_box()
    assert box["width"] > 300 and box["height"] > 50
    summary = page.locator("details.metric > summary").first.inner_text()
    assert "Past 24 hours" in summary and "average" in summary
    week = page.locator("details.metric").nth(1)
    week.locator("summary").first.click()  # a <details>: opens without JavaScript
    assert week.locator("svg.chart").is_visible()
    page.locator(".component", has_text="Bot Platform").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "status-response-times.png"), full_page=True)

    page.get_by_role("link", name="% uptime").first.click()
    assert "Uptime report" in page.inner_text("h1")
    bots = page.locator("table.report tr", has_text="Bot Platform").inner_text()
    assert "\t1\t5m\t35m" in bots  # one incident, detected in 5 min, resolved in 35
    page.screenshot(path=str(SCREENSHOTS / "uptime-report.png"), full_page=True)
