"""The public pages in real Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aviso.demo.loader import load_demo
from aviso.testing import CHROMIUM

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="Debian's chromium is not installed (make test installs it when run as root)",
    ),
]


@pytest.fixture
def browser_page(browser, monkeypatch):
    # Playwright's sync API runs an event loop; the ORM calls stay in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return browser.new_page(viewport={"width": 1100, "height": 900})


class TestPublicPagesInChromium:
    def test_history_reads_like_the_seed_and_screenshots_are_saved(self, live_server, browser_page):
        load_demo()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = browser_page

        page.goto(f"{live_server.url}/history?through=2026-07")
        text = page.inner_text("main")
        assert "No notices reported this month" in text
        assert text.count("WhatsApp Messaging Service – Increased Latency & Delayed Delivery") == 2
        assert "Workflow Intermittency" in text
        for label in ("Postmortem", "Resolved", "Monitoring", "Identified", "Investigating"):
            assert label in text
        assert "May 2026 to Jul 2026" in text
        headings = page.locator("section.month > h2").all_inner_texts()
        assert headings == ["Jul 2026", "Jun 2026", "May 2026"]
        page.screenshot(path=str(SCREENSHOTS / "history.png"), full_page=True)

        page.goto(f"{live_server.url}/")
        assert "All systems operational" in page.inner_text(".banner")
        # Each day bar carries its own text alternative, no tooltip needed.
        first_bar = page.locator(".bars").first.locator("li").first.inner_text()
        assert "uptime" in first_bar or "no data" in first_bar
        page.screenshot(path=str(SCREENSHOTS / "status.png"), full_page=True)

    def test_the_page_is_usable_at_320_px_and_in_dark_mode(self, live_server, browser_page):
        load_demo()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = browser_page
        page.set_viewport_size({"width": 320, "height": 800})
        page.emulate_media(color_scheme="dark")
        page.goto(f"{live_server.url}/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, "nothing overflows sideways at 320 px"
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background == "rgb(13, 17, 23)"
        page.screenshot(path=str(SCREENSHOTS / "status-320-dark.png"), full_page=True)

    def test_keyboard_users_can_skip_to_the_content(self, live_server, browser_page):
        load_demo()
        page = browser_page
        page.goto(f"{live_server.url}/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
