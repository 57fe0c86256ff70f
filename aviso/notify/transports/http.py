"""Outbound HTTP for webhooks, Slack and JSON alerts: concurrent, with timeouts, SSRF-guarded.

An asyncio loop runs in its own thread with one aiohttp session; the worker's
thread (which owns the database connection) submits requests and collects
outcomes as each one finishes, so a receiver that hangs holds only its own
delivery, until its timeout.

Every connection goes through the address guard (``aviso.lib.netguard``):
public subscribers' webhooks under a policy that refuses private addresses
(unless ``NOTIFY_ALLOW_PRIVATE``), operators' channels under one that refuses
only cloud metadata addresses. A receiver's answer is read up to
``MAX_ANSWER_BYTES`` and at most ``ERROR_EXCERPT`` characters of it are kept
in the delivery's error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from dataclasses import dataclass, field

import aiohttp

from aviso.lib.netguard import BlockedAddress, GuardedResolver, Policy, check_host, check_url
from aviso.lib.sealed import REDACTED

MAX_ANSWER_BYTES = 4096
ERROR_EXCERPT = 200


@dataclass(frozen=True)
class HttpRequest:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Operator channels may point inside the network; public webhooks may not.
    allow_private: bool = False
    # A secret inside the URL (a Slack or Teams webhook's path): never repeated in an error.
    redact: str = ""


@dataclass(frozen=True)
class HttpOutcome:
    delivery_id: int
    error: str | None
    # True when retrying cannot help (a refused address, a malformed URL).
    permanent: bool = False


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")[:ERROR_EXCERPT]
    return "".join(c if c.isprintable() else " " for c in text).strip()


class HttpPump:
    """Runs POSTs concurrently on a private event loop; use as a context manager.

    ``policy`` guards public subscribers' webhooks, ``operator_policy`` the
    requests marked ``allow_private`` (operators' own channels).
    """

    def __init__(
        self, *, concurrency: int, timeout: float, policy: Policy, operator_policy: Policy
    ) -> None:
        self.concurrency = concurrency
        self.timeout = timeout
        self.policy = policy
        self.operator_policy = operator_policy
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.session: aiohttp.ClientSession | None = None
        self.private_session: aiohttp.ClientSession | None = None
        self._call(self._open())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def _open(self) -> None:
        def session(policy: Policy) -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(policy),
                limit=self.concurrency,
                ttl_dns_cache=60,
            )
            return aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": "Aviso-Notifications/1"},
            )

        self.session = session(self.policy)
        self.private_session = session(self.operator_policy)

    async def _close(self) -> None:
        for session in (self.session, self.private_session):
            if session is not None:
                await session.close()

    def submit(self, request: HttpRequest) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(self._post(request), self.loop)

    async def _post(self, request: HttpRequest) -> HttpOutcome:
        outcome = await self._send(request)
        if request.redact and outcome.error and request.redact in outcome.error:
            error = outcome.error.replace(request.redact, REDACTED)
            return HttpOutcome(outcome.delivery_id, error, outcome.permanent)
        return outcome

    async def _send(self, request: HttpRequest) -> HttpOutcome:
        policy = self.operator_policy if request.allow_private else self.policy
        try:
            host, _port = check_url(request.url)
            check_host(host, policy)  # a literal address: refused before any socket
        except BlockedAddress as exc:
            return HttpOutcome(request.delivery_id, str(exc), permanent=True)
        except ValueError as exc:
            return HttpOutcome(request.delivery_id, str(exc), permanent=True)
        session = self.private_session if request.allow_private else self.session
        headers = {"Content-Type": "application/json", **request.headers}
        try:
            async with session.post(
                request.url, data=request.body, headers=headers, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    return HttpOutcome(request.delivery_id, None)
                # Bounded: a receiver may answer with an endless body.
                answer = await response.content.read(MAX_ANSWER_BYTES)
                return HttpOutcome(
                    request.delivery_id, f"HTTP {response.status}: {_excerpt(answer)}"
                )
        except BlockedAddress as exc:
            return HttpOutcome(request.delivery_id, str(exc), permanent=True)
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, BlockedAddress):
                return HttpOutcome(request.delivery_id, str(exc.os_error), permanent=True)
            return HttpOutcome(request.delivery_id, f"connection failed: {exc}")
        except TimeoutError:
            return HttpOutcome(request.delivery_id, f"no answer within {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            return HttpOutcome(request.delivery_id, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        try:
            self._call(self._close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)
            self.loop.close()

    def __enter__(self) -> HttpPump:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
