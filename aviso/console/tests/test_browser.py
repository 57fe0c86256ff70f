"""The whole incident workflow, as a responder, in Debian's Chromium.

One test on purpose (browsers are slow): sign in, declare on two components,
Identified, Monitoring, Resolved, write and publish the postmortem, and after
each step the public pages say so. Every console screen is photographed into
``artifacts/screenshots/`` for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aviso.console.tests.base import PASSWORD, Scene

SHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Steps:
    def __init__(self, page, base: str):
        self.page, self.base = page, base
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        for _ in range(20):
            # 503: SQLite's lock held past its timeout by a writer in this process (the
            # checker some flows run); the page says "try again", so the reader does.
            if response.status != 503:
                break
            self.page.wait_for_timeout(250)
            response = self.page.goto(self.base + path)
        assert response.status < 400, (path, response.status)
        return response

    def public(self, path: str) -> str:
        """The public page's visible text, read as a visitor would."""
        self.go(path)
        return self.page.inner_text("body")


def _workflow(steps: Steps, scene: Scene) -> None:
    page = steps.page
    from playwright.sync_api import expect

    steps.go("/console/")
    assert "/console/login/" in page.url
    steps.shot("01-sign-in")
    page.fill("#id_username", "responder")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Acme")
    steps.shot("02-dashboard")

    # Declare on two components, with the live preview.
    page.click("text=Declare an incident")
    page.fill("#id_title", "API and Web – increased latency")
    page.select_option("#id_component_" + scene.api.code, "major_outage")
    page.select_option("#id_component_" + scene.web.code, "degraded_performance")
    page.fill("#id_body", "Messages are **delayed**. We are investigating.")
    expect(page.locator("#preview-body strong")).to_have_text("delayed")
    steps.shot("03-declare")
    page.click("button[name=declare]")
    expect(page.locator(".messages")).to_contain_text("Incident declared.")
    steps.shot("04-incident")
    incident_url = page.url

    text = steps.public("/")
    assert "API and Web – increased latency" in text
    assert "Investigating" in text and "Messages are delayed." in text
    assert "Major outage" in text and "Degraded performance" in text

    for status, body in [
        ("identified", "A saturated connection pool."),
        ("monitoring", "A fix is out; we are watching."),
        ("resolved", "Latency is back to normal."),
    ]:
        page.goto(incident_url)
        page.select_option("#id_status", status)
        page.fill("#id_body", body)
        if status == "monitoring":
            page.select_option("#id_component_" + scene.api.code, "degraded_performance")
            steps.shot("05-post-update")
        # The live preview answers typing through htmx; a click while its answer is
        # being swapped in can be lost on a loaded machine, so let it settle first.
        page.wait_for_load_state("networkidle")
        page.click("button[name=post]")
        expect(page.locator(".messages")).to_be_visible()
        text = steps.public("/")
        if status == "resolved":
            # No longer active: the banner is green again and the notice is in this month.
            assert "All systems operational" in text
            assert "Latency is back to normal." in text
        else:
            assert status.capitalize() in text and body in text

    # Edit an update: the screen, then back.
    page.goto(incident_url)
    page.click("text=Edit >> nth=0")
    steps.shot("06-edit-update")

    # The postmortem: prefilled with the seed's sections and the timeline.
    page.goto(incident_url)
    page.click("text=Write the postmortem")
    draft = page.input_value("#id_body")
    assert "## Incident Summary" in draft and "## Preventive Measures" in draft
    assert "Identified: A saturated connection pool." in draft
    draft = draft.replace(
        "## Incident Summary\n\n",
        "## Incident Summary\n\nThe connection pool of the API database was exhausted.\n\n",
    )
    page.fill("#id_body", draft)
    steps.shot("07-postmortem")
    page.click("button[value=publish]")
    expect(page.locator(".messages")).to_contain_text("Postmortem published.")

    history = steps.public("/history")
    for words in [
        "API and Web – increased latency",
        "Postmortem",
        "The connection pool of the API database was exhausted.",
        "Latency is back to normal.",
        "A fix is out; we are watching.",
        "A saturated connection pool.",
        "Messages are delayed. We are investigating.",
    ]:
        assert words in history, words
    # The updates newest first, as in the seed, after the postmortem (whose timeline
    # quotes them oldest first: hence the last occurrence of each).
    bodies = [
        "Latency is back to normal.",
        "A fix is out; we are watching.",
        "A saturated connection pool.",
        "Messages are delayed. We are investigating.",
    ]
    order = [history.rindex(body) for body in bodies]
    assert order == sorted(order)
    assert history.index("The connection pool of the API database") < order[0]
    steps.shot("08-public-history")

    # The other console screens.
    for name, path in [
        ("09-incidents", "/console/incidents/"),
        ("10-maintenance-new", "/console/maintenances/new/"),
        ("11-components", "/console/components/"),
        ("12-templates", "/console/templates/"),
        ("13-template-new", "/console/templates/new/"),
        ("14-audit-log", "/console/audit/"),
        ("15-account", "/console/account/"),
    ]:
        steps.go(path)
        steps.shot(name)
        if name == "14-audit-log":
            # Declare, three updates, postmortem save and publish: each with its person.
            assert page.inner_text("main").count("responder (Person)") >= 6

    # Schedule a maintenance in the page's zone, then its screen.
    steps.go("/console/maintenances/new/")
    page.fill("#id_name", "Database upgrade")
    page.fill("#id_scheduled_for", "2030-01-15T22:00")
    page.fill("#id_scheduled_until", "2030-01-16T01:00")
    page.check(f'input[value="{scene.db.code}"]')
    page.click("button[name=save]")
    expect(page.locator(".messages")).to_contain_text("Maintenance scheduled.")
    assert re.search(r"Jan 15, 2030 · 22:00 \(GMT-5\)", page.inner_text("main"))
    steps.shot("16-maintenance")
    steps.go("/console/maintenances/")
    steps.shot("17-maintenances")

    # Admin-only screens.
    page.click("text=Sign out")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    for name, path in [("18-people", "/console/users/"), ("19-settings", "/console/settings/")]:
        steps.go(path)
        steps.shot(name)


def test_a_responder_runs_an_incident_from_declaration_to_postmortem(scene, live_server, browser):
    # ``scene`` comes before ``browser`` on purpose: inside Playwright's event loop the
    # ORM would open a second, context-local connection that nothing closes.
    from playwright.sync_api import expect

    # Generous waits: the machine is shared, and a slow turn is not a failure.
    expect.set_options(timeout=20_000)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    steps = Steps(context.new_page(), live_server.url)
    try:
        _workflow(steps, scene)
    except Exception:
        steps.shot("failure")  # what the browser showed when it went wrong
        raise
    finally:
        context.close()
