"""Each shipped language in Chromium, served by the snapshot layer ``aviso web`` runs.

The WSGI app is ``aviso.wsgi``'s (snapshots first, Django behind), on a thread
on 127.0.0.1; the snapshots are rendered first, so every page checked here is a
snapshot hit (it carries the snapshot layer's ETag and ``Cache-Control``).
For each language: ``lang`` and ``Content-Language`` are right and the page's
chrome (navigation, headings, labels, pager, footer) has none of its English
words left; a screenshot each. A language whose catalog is not shipped yet is
skipped with that reason.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.utils import translation

from aviso.demo.loader import load_demo
from aviso.lib.languages import CODES, tag
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.publish.wsgi import CACHE_CONTROL, SnapshotApp
from aviso.status import lifecycle
from aviso.testing import CHROMIUM, SYSTEM

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason="Debian's chromium is not installed (make test installs it when run as root)",
    ),
]

# The chrome's English words: none may be left on a page in another language.
CHROME_ENGLISH = [
    "History",
    "Subscribe to updates",
    "Skip to content",
    "Notice history",
    "Recent notices",
    "Powered by Aviso",
    "Times are shown in",
    "Uptime over the past",
    "days ago",
    "uptime",
    "Today",
    "No notices reported this month",
    "Previous",
    "Next",
    "Postmortem",
    "Investigating",
    "Identified",
    "Monitoring",
    "Resolved",
    "Resolved after",
    "Impact",
    "Affected",
    "All systems operational",
    "Operational",
    "Degraded performance",
    "Partial outage",
]
# Where the chrome is; update bodies, postmortems and names are the operators' words.
CHROME = (
    "header.masthead, footer, .banner, h1.page-title, .legend, .uptime-line, "
    ".component-status, .update-label, .pager, p.empty, #recent-title, .incident-page > .meta"
)


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def snapshot_server():
    """``aviso.wsgi``'s stack (snapshots, then Django with its static files) on 127.0.0.1."""
    app = SnapshotApp(StaticFilesHandler(WSGIHandler()), SnapshotStore())
    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page(browser, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return browser.new_page(viewport={"width": 1100, "height": 900})


def _catalog_shipped(code: str) -> bool:
    with translation.override(code):
        return code == "en" or translation.gettext("Notice history") != "Notice history"


def _same_in(code: str) -> set[str]:
    """Chrome words the catalog translates as themselves ("Postmortem" in Spanish)."""
    catalog = translation.trans_real.translation(code)
    return {word for word in CHROME_ENGLISH if catalog._catalog.get(word) == word}


def _english_left(text: str, code: str) -> list[str]:
    kept = _same_in(code)
    return [
        word
        for word in CHROME_ENGLISH
        if word not in kept and re.search(rf"\b{re.escape(word)}\b", text)
    ]


def test_each_language_is_served_whole_from_snapshots(settings, browser_page, snapshot_server):
    """One render of the demo in every language, then each language read in Chromium
    (one test: the render of six languages is most of the cost)."""
    page = load_demo()
    lifecycle.update_page(page, actor=SYSTEM, languages=["en", *[c for c in CODES if c != "en"]])
    render_snapshots()
    incident = page.incidents.order_by("started_at").first()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser = browser_page
    for code in CODES:
        assert _catalog_shipped(code), f"the {code} catalog is not shipped"
        browser.set_extra_http_headers({"Accept-Language": tag(code)})
        for name, path in (
            ("status", "/"),
            ("history", "/history"),
            ("incident", f"/incidents/{incident.code}"),
        ):
            response = browser.goto(snapshot_server + path)
            assert response.status == 200, (code, path)
            headers = response.headers
            assert headers["cache-control"] == CACHE_CONTROL, f"{path} was not a snapshot hit"
            assert "etag" in headers
            assert headers["content-language"] == tag(code), (code, path)
            assert "Accept-Language" in headers["vary"]
            assert browser.get_attribute("html", "lang") == tag(code), (code, path)
            if code != "en":
                chrome = "\n".join(browser.locator(CHROME).all_inner_texts())
                assert _english_left(chrome, code) == [], (
                    f"{code} {path}: English left in the chrome"
                )
            browser.screenshot(path=str(SCREENSHOTS / f"i18n-{code}-{name}.png"), full_page=True)
