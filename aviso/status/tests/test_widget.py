"""The embeddable widget: small, cookie-free, and live in a plain HTML page in Chromium."""

from __future__ import annotations

import http.server
import os
import re
import threading
from pathlib import Path

import pytest

from aviso.status.brand_views import WIDGET

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


class TestWidgetSource:
    def test_it_is_under_five_kilobytes_and_sends_no_cookie(self):
        source = WIDGET.read_text()
        assert len(WIDGET.read_bytes()) < 5 * 1024
        assert 'credentials: "omit"' in source
        assert "document.cookie" not in source and "localStorage" not in source
        # Text goes in as text: nothing from the JSON is parsed as HTML.
        assert "innerHTML" not in source and not re.search(r"\bimport\b|require\(", source)


@pytest.mark.django_db
class TestWidgetView:
    def test_each_page_serves_it_as_a_script_others_may_load(self, client):
        from aviso.testing import make_page

        make_page("Acme")
        make_page("Other", slug="other", position=1)
        for path in ("/widget.js", "/p/other/widget.js"):
            response = client.get(path)
            assert response.status_code == 200
            assert response["Content-Type"] == "text/javascript; charset=utf-8"
            assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
            assert not response.cookies


class _Customer(http.server.BaseHTTPRequestHandler):
    """A customer's own site on another origin: one plain HTML page with the snippet."""

    html = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_the_widget_shows_the_demo_pages_state_then_a_declared_incident(
    settings, monkeypatch, tmp_path
):
    from aviso.api import statuspage
    from aviso.demo.loader import load_demo
    from aviso.publish.tasks import render_snapshots
    from aviso.status import lifecycle
    from aviso.status.models import Page
    from aviso.testing import SYSTEM

    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")
    page = load_demo()
    internal = Page.objects.get(private=True)
    _, token = lifecycle.issue_viewer_token(internal, actor=SYSTEM, name="staff app")
    render_snapshots(full=True)
    with _servers() as (aviso, customer):
        # The private page's widget reads its JSON with a viewer token (a Bearer header,
        # so a CORS preflight), no cookie.
        _Customer.html = (
            "<!doctype html><html lang=en><title>Acme app</title><h1>Our app</h1>"
            f'<script src="{aviso}/widget.js" async></script>'
            f'<div id=staff><script src="{aviso}/p/{internal.slug}/widget.js" '
            f'data-token="{token}" async></script></div>'
        ).encode()
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                tab = browser.new_page(viewport={"width": 800, "height": 400})
                tab.goto(customer)
                widget = tab.locator("body > .aviso-widget")
                widget.locator("a").first.wait_for()
                assert "All Systems Operational" in widget.inner_text()
                staff = tab.locator("#staff .aviso-widget a").first
                staff.wait_for()
                expected = statuspage.summary(internal)["status"]["description"]
                assert staff.inner_text().strip() == "\u25cf " + expected
                assert tab.context.cookies() == []
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(SCREENSHOTS / "widget-operational.png"))

                whatsapp = page.components.get(name="WhatsApp Messaging Service")
                lifecycle.create_incident(
                    page,
                    actor=SYSTEM,
                    name="WhatsApp messages delayed",
                    body="Investigating.",
                    components={whatsapp: "major_outage"},
                )
                render_snapshots(full=True)
                tab.reload()
                tab.locator("body > .aviso-widget .aviso-incident").wait_for()
                text = widget.inner_text()
                assert "WhatsApp messages delayed" in text and "investigating" in text
                assert "All Systems Operational" not in text
                tab.screenshot(path=str(SCREENSHOTS / "widget-incident.png"))
            finally:
                browser.close()


class _servers:
    """The Aviso stack (snapshots first) and the customer's site, each on 127.0.0.1."""

    def __enter__(self):
        from socketserver import ThreadingMixIn
        from wsgiref.simple_server import WSGIServer, make_server

        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.core.handlers.wsgi import WSGIHandler

        from aviso.publish.store import SnapshotStore
        from aviso.publish.tests.test_browser_languages import _Quiet
        from aviso.publish.wsgi import SnapshotApp

        class Threaded(ThreadingMixIn, WSGIServer):
            daemon_threads = True

        app = SnapshotApp(StaticFilesHandler(WSGIHandler()), SnapshotStore())
        self.aviso = make_server("127.0.0.1", 0, app, server_class=Threaded, handler_class=_Quiet)
        self.customer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Customer)
        for server in (self.aviso, self.customer):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return (
            f"http://127.0.0.1:{self.aviso.server_port}",
            f"http://127.0.0.1:{self.customer.server_port}",
        )

    def __exit__(self, *exc) -> None:
        for server in (self.aviso, self.customer):
            server.shutdown()
            server.server_close()
