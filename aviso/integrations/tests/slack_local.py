"""Slack's side, on 127.0.0.1: a client that signs requests exactly as Slack does, and
a receiver for what the app sends back (``views.open`` and ``response_url`` posts).

The signature follows Slack's "Verifying requests from Slack": ``v0=`` and the
hex HMAC-SHA256, keyed with the signing secret, of ``v0:<timestamp>:<body>``,
with the timestamp in ``X-Slack-Request-Timestamp``. Written here by hand, not
with slack_sdk, so the app's verification is checked against the recipe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

from django.test import Client


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackClient:
    """Posts to the app's Request URL the form bodies Slack posts."""

    def __init__(self, integration, secret: str, team_id: str = "T0AVISO01") -> None:
        self.url = f"/integrations/{integration.code}/slack"
        self.secret = secret
        self.team_id = team_id
        self.client = Client()

    def send(self, body: str, *, age: float = 0, secret: str | None = None, signed: bool = True):
        timestamp = str(int(time.time() - age))
        headers = {}
        if signed:
            headers = {
                "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
                "HTTP_X_SLACK_SIGNATURE": signature(secret or self.secret, timestamp, body),
            }
        return self.client.post(self.url, body, content_type="application/x-www-form-urlencoded",
                                **headers)  # fmt: skip

    def command_body(self, text: str, user: str, response_url: str = "") -> str:
        return urlencode({
            "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": self.team_id,
            "team_domain": "acme", "channel_id": "C2147483705", "channel_name": "incidents",
            "user_id": user, "user_name": user.lower(), "command": "/aviso", "text": text,
            "api_app_id": "A123456", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        })  # fmt: skip

    def command(self, text: str, user: str, response_url: str = "", **options):
        return self.send(self.command_body(text, user, response_url), **options)

    def interaction(self, payload: dict, user: str):
        trigger = "13345224609.738474920.8088930838d88f008e0"
        payload = {"team": {"id": self.team_id, "domain": "acme"},
                   "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
                   "api_app_id": "A123456", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
                   "trigger_id": trigger, **payload}  # fmt: skip
        return self.send(urlencode({"payload": json.dumps(payload)}))


def submission(callback_id: str, values: dict, meta: str = "") -> dict:
    """A ``view_submission`` as Slack sends it, ``values`` by block id."""
    state = {}
    for block, value in values.items():
        if isinstance(value, list):
            field = {"type": "multi_static_select",
                     "selected_options": [{"value": v} for v in value]}  # fmt: skip
        elif block in ("status", "level"):
            field = {"type": "static_select", "selected_option": {"value": value}}
        else:
            field = {"type": "plain_text_input", "value": value}
        state[block] = {"value": field}
    return {"type": "view_submission", "view": {
        "id": "V0PKUGYA7", "type": "modal", "callback_id": callback_id,
        "private_metadata": meta, "state": {"values": state}}}  # fmt: skip


class SlackReceiver:
    """Slack's Web API (``/api/views.open``) and ``response_url`` hooks (``/hooks/...``)."""

    def __init__(self, bot_token: str) -> None:
        self.received: list[tuple[str, dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                size = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(size) or b"{}")
                receiver.received.append((self.path, dict(self.headers), body))
                if self.path == "/api/views.open":
                    good = self.headers.get("Authorization") == f"Bearer {bot_token}"
                    answer = {"ok": True, "view": {"id": "V0PKUGYA7"}} if good else {
                        "ok": False, "error": "invalid_auth"}  # fmt: skip
                    data, kind = json.dumps(answer).encode(), "application/json"
                else:
                    data, kind = b"ok", "text/plain"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def views(self) -> list[dict]:
        return [body["view"] for path, _, body in self.received if path == "/api/views.open"]

    def hooks(self) -> list[dict]:
        return [body for path, _, body in self.received if path.startswith("/hooks/")]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
