"""Real local receivers for tests and the benchmark: an SMTP sink and an HTTP receiver.

Both listen on 127.0.0.1 with ephemeral ports and run their asyncio loop in a
thread. Not used by Aviso itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from aiohttp import web
from aiosmtpd.smtp import SMTP

# aiosmtpd logs every command at INFO; a sink taking 100,000 mails should not.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class SmtpSink:
    """Counts what it accepts. Created "down": the port is reserved but refuses connections.

    With ``tls`` (a server context) it offers STARTTLS and takes no mail before
    it, or, with ``implicit_tls``, speaks TLS from the first byte (SMTPS).
    """

    def __init__(
        self, delay: float = 0.0, tls: ssl.SSLContext | None = None, implicit_tls: bool = False
    ) -> None:
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.delay = delay
        self.messages: list[tuple[list[str], bytes]] = []
        self.connections = 0
        self.lock = threading.Lock()
        self._loop: _Loop | None = None
        self._server = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def _protocol(self) -> SMTP:
        self.connections += 1
        starttls = self.tls if not self.implicit_tls else None
        return SMTP(
            self,
            hostname="sink.local",
            data_size_limit=0,
            tls_context=starttls,
            require_starttls=starttls is not None,
        )

    def up(self) -> SmtpSink:
        self._loop = _Loop()

        async def start():
            return await self._loop.loop.create_server(
                self._protocol, sock=self.sock, ssl=self.tls if self.implicit_tls else None
            )

        self._server = self._loop.call(start())
        return self

    def down(self) -> None:
        if self._loop is not None:
            # On the loop's own thread: a session closing there at the same
            # moment would otherwise race Server.close() (asyncio is not thread-safe).
            self._loop.call(self._close())
            self._loop.stop()
            self._loop = None

    async def _close(self) -> None:
        self._server.close()

    def per_recipient(self) -> Counter:
        with self.lock:
            return Counter(r for rcpts, _ in self.messages for r in rcpts)

    def __len__(self) -> int:
        with self.lock:
            return len(self.messages)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float = 0.0

    def json(self):
        return json.loads(self.body)


def _teams_connector(payload) -> web.Response:
    """An Office 365 connector: a MessageCard needs a summary or a text; it answers "1"."""
    if not isinstance(payload, dict) or payload.get("@type") != "MessageCard":
        return web.Response(status=400, text="Bad payload received by generic incoming webhook.")
    if not (payload.get("summary") or payload.get("text")):
        return web.Response(status=400, text="Summary or Text is required.")
    return web.Response(text="1")


def _teams_workflow(payload) -> web.Response:
    """A Teams Workflow: a message whose attachments are Adaptive Cards; it answers 202."""
    attachments = payload.get("attachments") if isinstance(payload, dict) else None
    if payload.get("type") != "message" or not isinstance(attachments, list) or not attachments:
        return web.json_response({"error": {"code": "InvalidRequestContent"}}, status=400)
    for attachment in attachments:
        content = attachment.get("content") or {}
        if (
            attachment.get("contentType") != "application/vnd.microsoft.card.adaptive"
            or content.get("type") != "AdaptiveCard"
            or not isinstance(content.get("body"), list)
        ):
            return web.json_response({"error": {"code": "InvalidRequestContent"}}, status=400)
    return web.Response(status=202)


@dataclass
class TwilioAccount:
    """What the local Twilio stand-in accepts: one account, its token, the numbers it sent to."""

    sid: str = "AC" + "0" * 32
    token: str = "local-test-token"  # noqa: S105 - the receiver's own test credential
    sent: list[dict] = field(default_factory=list)

    def answer(self, request: web.Request, sid: str, form: dict) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        if sid != self.sid or request.headers.get("Authorization") != expected:
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        if not request.content_type == "application/x-www-form-urlencoded":
            return web.json_response({"code": 20001, "message": "Bad form", "status": 400}, 400)
        to = form.get("To", "")
        if not to:
            return web.json_response(
                {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}, 400
            )
        if not re.match(r"^\+[1-9]\d{6,14}$", to):
            message = f"The 'To' number {to} is not a valid phone number."
            return web.json_response({"code": 21211, "message": message, "status": 400}, 400)
        if not (form.get("From") or form.get("MessagingServiceSid")) or not form.get("Body"):
            return web.json_response(
                {"code": 21603, "message": "A 'From' phone number is required.", "status": 400},
                400,
            )
        message_sid = f"SM{len(self.sent):032x}"
        self.sent.append(dict(form))
        return web.json_response(
            {
                "sid": message_sid,
                "account_sid": self.sid,
                "to": to,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form["Body"],
                "status": "queued",
                "num_segments": "1",
                "uri": f"/2010-04-01/Accounts/{self.sid}/Messages/{message_sid}.json",
            },
            status=201,
        )


@dataclass
class HttpReceiver:
    """Answers by path: /ok, /fail (500), /hang (never in time), /slow (0.3 s), /slack,
    /teams-connector/... (MessageCard), /teams-workflow/... (Adaptive Card), and
    Twilio's /2010-04-01/Accounts/{sid}/Messages.json (see ``TwilioAccount``)."""

    hang_seconds: float = 30.0
    slow_seconds: float = 0.3
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    twilio: TwilioAccount = field(default_factory=TwilioAccount)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(request.path, dict(request.headers), body, time.monotonic()))
        kind = request.path.strip("/").split("/")[0]
        twilio = re.match(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$", request.path)
        if twilio:
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
            return self.twilio.answer(request, twilio.group(1), form)
        if kind in ("teams-connector", "teams-workflow"):
            try:
                payload = json.loads(body)
            except ValueError:
                return web.Response(status=400, text="Invalid JSON")
            return (
                _teams_connector(payload) if kind == "teams-connector" else _teams_workflow(payload)
            )
        if kind == "fail":
            return web.Response(status=500, text="boom")
        if kind == "hang":
            await asyncio.sleep(self.hang_seconds)
        if kind == "slow":
            await asyncio.sleep(self.slow_seconds)
        if kind == "slack":
            # Slack's incoming webhooks: "ok" for a valid message, 400 invalid_payload else.
            try:
                payload = json.loads(body)
            except ValueError:
                return web.Response(status=400, text="invalid_payload")
            if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
                return web.Response(status=400, text="no_text")
            return web.Response(text="ok")
        return web.Response(text="ok")

    def start(self) -> HttpReceiver:
        self._loop = _Loop()

        async def start():
            app = web.Application()
            app.router.add_route("POST", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]

        self.port = self._loop.call(start())
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def stop(self) -> None:
        try:
            self._loop.call(self._runner.cleanup(), timeout=5)
        except Exception:  # noqa: S110 - hanging handlers may outlive the test; stop anyway
            pass
        self._loop.stop()

    def paths(self) -> Counter:
        return Counter(r.path for r in self.requests)
