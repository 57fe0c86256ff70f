"""Names for the checker: answers reused for their TTL, one lookup per name at a time.

50,000 monitors at 30 s are about 1,650 checks a second; with every target named
(as real ones are), resolving each check afresh would be 1,650 getaddrinfo calls
a second through the event loop's small thread pool, each a DNS round trip. So
the checker (``aviso checker``) installs this resolver in ``aviso.lib.netguard``:

- ``AVISO_DNS_SERVERS`` (addresses, ``host`` or ``host:port``, comma-separated)
  are asked directly over UDP (TCP when the answer is truncated), one after the
  other if one does not answer within ``QUERY_TIMEOUT``; an answer is kept for
  its TTL, at most ``AVISO_DNS_CACHE_SECONDS``. Unset: the system resolver,
  its answers kept for ``AVISO_DNS_CACHE_SECONDS`` (it gives no TTL).
- A name that does not resolve is remembered for ``NEGATIVE_SECONDS``, so a
  monitor with a mistyped name does not send a query at every check.
- Checks of the same name while its lookup runs wait for that lookup.

Every address is still checked against the outbound policy at each check
(``netguard._checked``): a cached answer is not a way around the guard.
``AVISO_DNS_CACHE_SECONDS=0`` turns the memory off (a lookup per check).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aviso.lib.netguard import UnresolvedHost, literal_address, system_lookup
from aviso.monitors.probes.dns import DnsError, resolve

QUERY_TIMEOUT = 2.0  # seconds one server has to answer before the next is asked
NEGATIVE_SECONDS = 5.0
LIMIT = 100_000  # names remembered; past it the oldest half is forgotten


def parse_servers(value: str) -> list[tuple[str, int]]:
    """``"10.0.0.2, 127.0.0.1:5353, [::1]:53"`` -> [(address, port)]; ValueError otherwise."""
    servers = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest.removeprefix(":")
        elif item.count(":") == 1:
            host, port = item.split(":")
        else:
            host, port = item, ""
        address = literal_address(host)
        if address is None:
            raise ValueError(f"{item!r}: a DNS server is given by its address, not a name")
        if port and not port.isdigit():
            raise ValueError(f"{item!r}: the port is not a number")
        number = int(port) if port else 53
        if not 0 < number < 65536:
            raise ValueError(f"{item!r}: the port is out of range")
        servers.append((address, number))
    return servers


def from_environment(servers: str, cache_seconds: float) -> CachingResolver | None:
    """The checker's resolver for ``AVISO_DNS_SERVERS`` and ``AVISO_DNS_CACHE_SECONDS``;
    None (the system's, a lookup per check) when there are no servers and no memory."""
    listed = parse_servers(servers)
    if not listed and cache_seconds <= 0:
        return None
    return CachingResolver(listed, max(0.0, cache_seconds))


class CachingResolver:
    """A ``netguard.NameLookup``: ``await resolver(host, port)`` -> addresses."""

    def __init__(
        self,
        servers: list[tuple[str, int]],
        max_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.servers = servers
        self.max_seconds = max_seconds
        self.clock = clock
        self._known: dict[str, tuple[float, list[str] | str]] = {}  # host -> (until, answer)
        self._running: dict[str, asyncio.Future] = {}
        self.lookups = 0  # sent, for the tests and the benchmark

    async def __call__(self, host: str, port: int) -> list[str]:
        name = host.rstrip(".").lower()
        known = self._known.get(name)
        if known is not None and known[0] > self.clock():
            return _answer(host, known[1])
        running = self._running.get(name)
        if running is None:
            running = asyncio.ensure_future(self._look_up(name, port))
            self._running[name] = running
            running.add_done_callback(lambda _: self._running.pop(name, None))
        return _answer(host, await asyncio.shield(running))

    async def _look_up(self, name: str, port: int) -> list[str] | str:
        self.lookups += 1
        try:
            if self.servers:
                addresses, ttl = await self._ask_servers(name)
            else:
                addresses, ttl = await system_lookup(name, port), self.max_seconds
        except UnresolvedHost as error:
            self._remember(name, str(error), NEGATIVE_SECONDS)
            return str(error)
        self._remember(name, addresses, min(ttl, self.max_seconds))
        return addresses

    async def _ask_servers(self, name: str) -> tuple[list[str], float]:
        reasons = []
        for server, port in self.servers:
            try:
                for record_type in ("A", "AAAA"):
                    ttls: list[int] = []
                    async with asyncio.timeout(QUERY_TIMEOUT):
                        typed, _ = await resolve(server, port, name, record_type, ttls=ttls)
                    addresses = [text for kind, text in typed if kind == record_type]
                    if addresses:
                        return addresses, min(ttls, default=0)
                raise UnresolvedHost(f"{name} does not resolve (no address)")
            except DnsError as error:
                if str(error) == "NXDOMAIN":  # the name does not exist: no other server asked
                    raise UnresolvedHost(f"{name} does not resolve ({error})") from None
                reasons.append(str(error))
            except (TimeoutError, OSError) as error:
                reasons.append(f"{server}: {type(error).__name__}")
        raise UnresolvedHost(f"{name} does not resolve ({'; '.join(reasons)})")

    def _remember(self, name: str, answer: list[str] | str, seconds: float) -> None:
        if seconds <= 0:
            return
        if len(self._known) >= LIMIT:
            for old in list(self._known)[: LIMIT // 2]:
                del self._known[old]
        self._known[name] = (self.clock() + seconds, answer)


def _answer(host: str, answer: list[str] | str) -> list[str]:
    if isinstance(answer, str):
        raise UnresolvedHost(answer)
    return answer
