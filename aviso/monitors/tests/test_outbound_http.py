"""aviso.lib.http.fetch against a real local server: bodies, limits, redirects, blocking."""

from __future__ import annotations

import asyncio
import ipaddress
import json

import pytest

from aviso.lib.http import OutboundError, fetch
from aviso.lib.netguard import Policy, is_public
from aviso.monitors.tests.targets import HttpTarget


@pytest.fixture(scope="module")
def web():
    server = HttpTarget()
    yield server
    server.stop()


def get(url: str, **kwargs):
    return asyncio.run(fetch(url, **kwargs))


class TestFetch:
    def test_it_reads_a_chunked_body(self, web):
        assert get(web.url + "/chunked").body == b"alpha-beta-gamma"

    def test_it_caps_the_body_and_says_so(self, web):
        answer = get(web.url + "/", max_bytes=100)
        assert (len(answer.body), answer.truncated) == (100, True)
        chunked = get(web.url + "/chunked", max_bytes=8)
        assert (chunked.body, chunked.truncated) == (b"alpha-be", True)

    def test_it_sends_method_headers_and_body(self, web):
        answer = get(web.url + "/echo", method="POST", body="hello", headers={"X-Test": "yes"})
        assert json.loads(answer.body) == {"method": "POST", "body": "hello", "x": "yes"}

    def test_a_303_turns_into_a_get(self, web):
        answer = get(web.url + "/go?to=/echo", method="POST", body="x")
        assert (json.loads(answer.body)["method"], answer.redirects) == ("GET", 1)

    def test_blocking_checks_every_redirect_hop(self, web):
        # The first hop is allowed here only because the test target is local; the
        # rule is applied again to where the redirect points.
        policy = Policy(block_private=True, allow=(ipaddress.ip_network("127.0.0.1/32"),))
        with pytest.raises(OutboundError, match="10.0.0.1 is a private"):
            get(web.url + "/go?to=http://10.0.0.1/", policy=policy)
        # Metadata addresses are refused whatever the policy says about private ones.
        with pytest.raises(OutboundError, match="cloud metadata"):
            get(web.url + "/go?to=http://169.254.169.254/latest/meta-data")

    def test_it_times_out_as_a_whole(self, web):
        web.mode, web.slow_seconds = "slow", 2
        try:
            with pytest.raises(OutboundError, match="timed out after 0.3 s"):
                get(web.url + "/", timeout=0.3)
        finally:
            web.mode = "ok"

    def test_it_refuses_urls_it_cannot_fetch(self):
        with pytest.raises(OutboundError, match="not an http"):
            get("ftp://example.test/")


class TestIsPublic:
    @pytest.mark.parametrize(
        "address",
        ["127.0.0.1", "10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "fc00::1",
         "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1"],  # noqa: S104
    )  # fmt: skip
    def test_it_blocks_non_public_addresses(self, address):
        assert not is_public(address)

    @pytest.mark.parametrize("address", ["1.1.1.1", "2606:4700:4700::1111", "93.184.216.34"])
    def test_it_lets_public_addresses_through(self, address):
        assert is_public(address)
