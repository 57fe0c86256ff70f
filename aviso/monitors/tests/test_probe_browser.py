"""The browser probe: the system Chromium through Playwright against a local site."""

from __future__ import annotations

import asyncio
import os

import pytest
from aiohttp import web

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.probes import ProbeContext, Target, run_probe
from aviso.monitors.tests.probing import closed_port
from aviso.monitors.tests.targets import LoopThread

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no system Chromium at /usr/bin"),
]
pytest.importorskip("playwright", reason="Playwright is not installed")

PAGE = """<!doctype html><title>Shop</title>
<button id="go" onclick="document.getElementById('out').textContent='Checkout ready'">Go</button>
<input id="q"><p id="out"></p>{extra}"""


class Site:
    """/ the page; /slow the page after 0.8 s; /broken a 500; /leaky loads from ``other``."""

    def __init__(self, other: str = ""):
        self.other = other
        self.hits: list[str] = []
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self):
        app = web.Application()
        app.router.add_get("/{name:.*}", self._page)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def _page(self, request):
        self.hits.append(request.path)
        if request.path == "/broken":
            return web.Response(status=500, text="down")
        if request.path == "/slow":
            await asyncio.sleep(0.8)
        extra = ""
        if request.path == "/leaky":
            extra = (f'<img src="{self.other}/pixel.png">'
                     '<img src="http://elsewhere.test/pixel.png">')  # fmt: skip
        return web.Response(text=PAGE.format(extra=extra), content_type="text/html")

    def stop(self):
        self.loops.run(self.runner.cleanup())
        self.loops.stop()


@pytest.fixture(scope="module")
def sites():
    other = Site()
    site = Site(other=other.url.replace("127.0.0.1", "localhost"))
    yield site, other
    site.stop()
    other.stop()


def check(config: dict, tmp_path, timeout: float = 20):
    target = Target(7, "browser", parse_config("browser", config), timeout)
    ctx = ProbeContext(browser_executable=CHROMIUM, screenshot_dir=str(tmp_path))
    return asyncio.run(run_probe(target, ctx))


class TestBrowserProbe:
    def test_steps_then_the_expected_text(self, sites, tmp_path):
        site, _ = sites
        conf = {"url": site.url + "/", "expected_text": "Checkout ready",
                "steps": [{"action": "fill", "selector": "#q", "value": "shoes"},
                          {"action": "click", "selector": "#go"}]}  # fmt: skip
        outcome = check(conf, tmp_path)
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "expected text found")
        assert outcome.latency_ms > 0
        assert not list(tmp_path.iterdir())

    def test_a_missing_text_is_down_with_a_screenshot(self, sites, tmp_path):
        site, _ = sites
        # Long enough for a slow Chromium start on a busy machine: the wait is 60 % of the rest.
        outcome = check({"url": site.url + "/", "expected_text": "Checkout ready"}, tmp_path,
                        timeout=12)  # fmt: skip
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the expected text did not appear",
        )  # fmt: skip
        shot = tmp_path / "monitor-7.png"
        assert shot.read_bytes().startswith(b"\x89PNG")

    def test_an_error_status_is_down(self, sites, tmp_path):
        site, _ = sites
        outcome = check({"url": site.url + "/broken"}, tmp_path)
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the page answered HTTP 500",
        )  # fmt: skip

    def test_it_is_degraded_when_slow(self, sites, tmp_path):
        site, _ = sites
        outcome = check({"url": site.url + "/slow", "degraded_latency_ms": 500}, tmp_path)
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.message.startswith("slow: ")

    def test_other_hosts_are_never_reached(self, sites, tmp_path):
        site, other = sites
        outcome = check({"url": site.url + "/leaky"}, tmp_path)
        assert outcome.status == CheckStatus.UP
        assert other.hits == []

    def test_it_is_down_when_the_port_is_closed(self, tmp_path):
        outcome = check({"url": f"http://127.0.0.1:{closed_port()}/"}, tmp_path)
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "cannot connect: Connection refused",
        )  # fmt: skip

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("browser", {"url": "file:///etc/passwd"})
        assert "config.url" in caught.value.errors
        with pytest.raises(ConfigError) as caught:
            parse_config("browser", {"url": "http://h/", "steps": [{"action": "fill",
                                                                   "selector": "#q"}]})  # fmt: skip
        assert caught.value.errors == {"config.steps.0": "fill needs a value"}
