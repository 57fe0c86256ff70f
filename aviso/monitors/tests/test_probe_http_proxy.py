"""The HTTP probe through an HTTP proxy (CONNECT), per monitor and from HTTPS_PROXY,
against a small local CONNECT proxy that records where it was asked to go."""

from __future__ import annotations

import asyncio

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import check, closed_port
from aviso.monitors.tests.targets import HttpTarget, LoopThread, tls_server_context


class ConnectProxy:
    """Tunnels CONNECT requests to 127.0.0.1 only; ``refuse`` answers 407 instead."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.asked: list[str] = []
        self.loops = LoopThread()
        self.loops.run(self._start())

    async def _start(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader, writer):
        request = (await reader.readline()).decode()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        method, where, _ = request.split(" ", 2)
        self.asked.append(f"{method} {where}")
        host, _, port = where.rpartition(":")
        if self.refuse or method != "CONNECT" or host != "127.0.0.1":
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pump(source, sink):
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def stop(self):
        # On the server's own loop: asyncio's Server is not thread-safe, and closing it
        # from this thread raced with the loop's own bookkeeping.
        self.loops.run(_close(self.server))
        self.loops.stop()


@pytest.fixture
def proxy():
    made = []

    def start(**options) -> ConnectProxy:
        made.append(ConnectProxy(**options))
        return made[-1]

    yield start
    for each in made:
        each.stop()


@pytest.fixture(scope="module")
def web():
    server = HttpTarget()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def secure_web():
    server = HttpTarget(ssl_context=tls_server_context(30))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY",
                 "no_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


class TestHttpProxy:
    def test_a_monitors_proxy_carries_plain_http(self, proxy, web):
        relay = proxy()
        outcome = check("http", {"url": web.url + "/", "proxy": relay.url})
        assert (outcome.status, outcome.message) == (CheckStatus.UP, "HTTP 200")
        assert relay.asked == [f"CONNECT 127.0.0.1:{web.port}"]

    def test_https_is_tunnelled_and_verified_end_to_end(self, proxy, secure_web):
        relay = proxy()
        conf = {"url": secure_web.url + "/", "proxy": relay.url, "verify_tls": False}
        assert check("http", conf).status == CheckStatus.UP
        verified = check("http", {**conf, "verify_tls": True})
        assert verified.status == CheckStatus.DOWN
        assert verified.message.startswith("TLS certificate error")
        assert len(relay.asked) == 2

    def test_https_proxy_from_the_environment(self, proxy, secure_web, monkeypatch):
        relay = proxy()
        monkeypatch.setenv("HTTPS_PROXY", relay.url)
        conf = {"url": secure_web.url + "/", "verify_tls": False}
        assert check("http", conf).status == CheckStatus.UP
        assert relay.asked == [f"CONNECT 127.0.0.1:{secure_web.port}"]
        assert check("http", {**conf, "proxy": "direct"}).status == CheckStatus.UP
        assert len(relay.asked) == 1

    def test_no_proxy_is_honoured(self, proxy, secure_web, monkeypatch):
        relay = proxy()
        monkeypatch.setenv("HTTPS_PROXY", relay.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        check("http", {"url": secure_web.url + "/", "verify_tls": False})
        assert relay.asked == []

    def test_a_refused_tunnel_is_down(self, proxy, web):
        relay = proxy(refuse=True)
        outcome = check("http", {"url": web.url + "/", "proxy": relay.url})
        assert (outcome.status, outcome.message) == (
            CheckStatus.DOWN, "the proxy refused the tunnel (HTTP 407)",
        )  # fmt: skip

    def test_a_proxy_that_is_not_there_is_down(self, web):
        outcome = check(
            "http", {"url": web.url + "/", "proxy": f"http://127.0.0.1:{closed_port()}"}
        )
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("cannot connect")

    def test_the_proxy_is_guarded_like_the_target(self):
        outcome = check(
            "http", {"url": "http://127.0.0.1/", "proxy": "http://169.254.169.254:3128"}
        )
        assert outcome.status == CheckStatus.DOWN
        assert "cloud metadata address" in outcome.message

    def test_bad_proxy_settings_are_named(self):
        for value, message in [
            ("socks5://127.0.0.1:1080", 'must be "", "direct" or an http://host:port URL'),
            ("http://user:pw@127.0.0.1:3128", "proxy credentials are not supported"),
            ("http://127.0.0.1:3128/path", "a proxy URL has no path"),
        ]:
            with pytest.raises(ConfigError) as caught:
                parse_config("http", {"url": "http://127.0.0.1/", "proxy": value})
            assert caught.value.errors == {"config.proxy": message}


async def _close(server: asyncio.Server) -> None:
    server.close()
