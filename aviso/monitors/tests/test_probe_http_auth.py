"""The HTTP probe's basic and bearer credentials: sent to the URL's origin, sealed at rest,
never carried across a redirect to another origin."""

from __future__ import annotations

import base64

import pytest
from aiohttp import web

from aviso.lib.sealed import is_sealed
from aviso.monitors import lifecycle
from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.models import Monitor
from aviso.monitors.tests.probing import check
from aviso.monitors.tests.targets import LoopThread
from aviso.testing import SYSTEM

BASIC = "Basic " + base64.b64encode(b"ops:pa55word").decode()
BEARER = "Bearer t0ken-value"


class Guarded:
    """/private answers 200 only to ``BASIC`` or ``BEARER``; /away redirects to ``elsewhere``;
    every request's Authorization header is recorded."""

    def __init__(self, elsewhere: str = ""):
        self.elsewhere = elsewhere
        self.seen: list[str | None] = []
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self):
        app = web.Application()
        app.router.add_get("/private", self._private)
        app.router.add_get("/away", self._away)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    async def _private(self, request):
        given = request.headers.get("Authorization")
        self.seen.append(given)
        return web.Response(status=200 if given in (BASIC, BEARER) else 401)

    async def _away(self, request):
        self.seen.append(request.headers.get("Authorization"))
        raise web.HTTPFound(self.elsewhere + "/private")

    def stop(self):
        self.loops.run(self.runner.cleanup())
        self.loops.stop()


@pytest.fixture
def servers():
    other = Guarded()
    first = Guarded(elsewhere=other.url)
    yield first, other
    first.stop()
    other.stop()


class TestHttpAuth:
    def test_basic_credentials_open_the_page(self, servers):
        first, _ = servers
        conf = {"url": first.url + "/private", "auth": "basic", "username": "ops",
                "password": "pa55word"}  # fmt: skip
        assert check("http", conf).status == CheckStatus.UP
        assert first.seen == [BASIC]

    def test_a_bearer_token_opens_the_page(self, servers):
        first, _ = servers
        conf = {"url": first.url + "/private", "auth": "bearer", "token": "t0ken-value"}
        assert check("http", conf).status == CheckStatus.UP

    def test_wrong_credentials_are_down_with_the_status(self, servers):
        first, _ = servers
        conf = {"url": first.url + "/private", "auth": "basic", "username": "ops",
                "password": "nope"}  # fmt: skip
        outcome = check("http", conf)
        assert (outcome.status, outcome.message) == (CheckStatus.DOWN, "HTTP 401")

    def test_credentials_stay_with_their_origin_across_a_redirect(self, servers):
        first, other = servers
        conf = {"url": first.url + "/away", "auth": "bearer", "token": "t0ken-value"}
        outcome = check("http", conf)
        assert first.seen == [BEARER]
        assert other.seen == [None]
        assert outcome.message == "HTTP 401"

    def test_bad_auth_settings_are_named(self):
        cases = [
            ({"auth": "basic"}, "basic auth needs a username"),
            ({"auth": "bearer"}, "bearer auth needs a token"),
            ({"auth": "basic", "username": "a:b"}, "a basic auth username cannot hold a colon"),
            ({"auth": "bearer", "token": "x\r\nX-Injected: 1"},
             "the token cannot hold control characters"),
            ({"auth": "bearer", "token": "t", "headers": {"Authorization": "x"}},
             "set auth or an Authorization header, not both"),
        ]  # fmt: skip
        for extra, message in cases:
            with pytest.raises(ConfigError) as caught:
                parse_config("http", {"url": "http://127.0.0.1/", **extra})
            assert caught.value.errors == {"config": message}, extra


@pytest.mark.django_db
class TestHttpCredentialsAtRest:
    def test_the_password_and_token_are_sealed(self):
        config = {"url": "http://127.0.0.1/", "auth": "basic", "username": "ops",
                  "password": "pa55word", "token": "spare-token"}  # fmt: skip
        monitor = lifecycle.create_monitor(actor=SYSTEM, name="web", kind="http", config=config)
        stored = Monitor.objects.get(pk=monitor.pk).config
        assert is_sealed(stored["password"]) and is_sealed(stored["token"])
        assert stored["username"] == "ops"
        assert monitor.typed_config.authorization() == {"Authorization": BASIC}
