"""A private page in Chromium: a stranger is sent to sign in; an email-link reader and an
OpenID Connect reader get in, each seeing only their audience's components.

Served by ``aviso.wsgi``'s stack (snapshots first, Django behind) on 127.0.0.1;
the link is mailed by the outbox worker to a real SMTP sink on 127.0.0.1, and
the single sign-on goes through a real OIDC provider on 127.0.0.1. Screenshots
of each step, and of the branded private page, go to artifacts/screenshots/
as the other browser tests' do.
"""

from __future__ import annotations

import os
import re

import pytest

from aviso.demo.loader import load_demo
from aviso.publish.tasks import render_snapshots
from aviso.publish.tests.test_browser_languages import CHROMIUM, SCREENSHOTS, snapshot_server
from aviso.status import lifecycle
from aviso.status.models import Page
from aviso.status.showing import shown_components
from aviso.status.tests.oidc_provider import OidcProvider
from aviso.status.worker import process_events
from aviso.testing import SYSTEM

__all__ = ["snapshot_server"]  # the fixture, shared with the languages' browser test

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def snapshot_dir(settings, tmp_path):
    settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")


def test_a_stranger_signs_in_to_the_private_page_by_email_link(
    settings, monkeypatch, snapshot_dir, smtp, snapshot_server
):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.BASE_URL = snapshot_server
    load_demo()
    internal = Page.objects.get(slug="internal")
    idp = OidcProvider(
        "aviso", "idp-secret", [snapshot_server + "/p/internal/sign-in/oidc/callback"]
    )
    idp.start()
    lifecycle.update_page(
        internal,
        actor=SYSTEM,
        viewer_domains=["jelou.example", "partners.example"],
        oidc_issuer=idp.issuer,
        oidc_client_id="aviso",
        oidc_client_secret="idp-secret",
    )
    shown = {c.name: c.code for c in shown_components(internal)}
    staff = ["Primary PostgreSQL", "Message queue", "Check runners"]
    lifecycle.save_audience(
        internal,
        actor=SYSTEM,
        name="Staff",
        email_domains=["jelou.example"],
        components=[shown[n] for n in staff],
    )
    lifecycle.save_audience(
        internal,
        actor=SYSTEM,
        name="Partners",
        email_domains=["partners.example"],
        components=[shown["WhatsApp Messaging Service"], shown["Bot Platform"]],
    )
    render_snapshots(full=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 800})
            # The public page is a snapshot and shows nothing of the internal one.
            public = tab.goto(snapshot_server + "/")
            assert public.headers["cache-control"] == "no-cache"
            assert "Primary PostgreSQL" not in tab.content()

            tab.goto(snapshot_server + "/p/internal/history")
            assert tab.url.startswith(snapshot_server + "/p/internal/sign-in?next=")
            assert "Primary PostgreSQL" not in tab.content()
            tab.screenshot(path=str(SCREENSHOTS / "private-sign-in.png"), full_page=True)

            tab.fill("input[name=email]", "ana@jelou.example")
            tab.click("button[type=submit]")
            tab.get_by_text("a sign-in link is on its way").wait_for()
            process_events("browser-test")
            body = smtp.messages[-1][1].decode()
            link = re.search(r"http://\S+/sign-in/\S+", body).group(0)

            tab.goto(link)
            tab.click("button[type=submit]")
            tab.wait_for_url(snapshot_server + "/p/internal/history")
            tab.goto(snapshot_server + "/p/internal/")
            text = tab.inner_text("main")
            # Audience "Staff": the infrastructure, not what the partners see.
            assert "Primary PostgreSQL" in text and "Message queue" in text
            assert "WhatsApp Messaging Service" not in text and "Instagram Direct" not in text
            # The branded page: its accent colour and footer come from its own stylesheet.
            accent = tab.eval_on_selector("a.button", "el => getComputedStyle(el).borderTopColor")
            assert accent == "rgb(111, 45, 168)"
            assert "Staff only." in tab.inner_text("footer")
            tab.screenshot(
                path=str(SCREENSHOTS / "private-email-staff-branded.png"), full_page=True
            )

            # Another browser, no session: still sent to sign in; it takes single sign-on.
            partner = browser.new_context().new_page()
            partner.goto(snapshot_server + "/p/internal/")
            assert "/p/internal/sign-in" in partner.url
            partner.click("text=Sign in with single sign-on")
            partner.wait_for_url(idp.issuer + "/authorize?*")
            partner.fill("input[name=login_email]", "lu@partners.example")
            partner.click("button[type=submit]")
            partner.wait_for_url(snapshot_server + "/p/internal/")
            text = partner.inner_text("main")
            # Audience "Partners": their channels, none of the staff's infrastructure.
            assert "WhatsApp Messaging Service" in text and "Bot Platform" in text
            assert "Primary PostgreSQL" not in text and "Message queue" not in text
            partner.screenshot(path=str(SCREENSHOTS / "private-oidc-partners.png"), full_page=True)
            assert idp.tokens_issued == 1
        finally:
            browser.close()
            idp.stop()
