"""A vendor's status page on 127.0.0.1, replaying captured Statuspage answers.

It serves ``/api/v2/components.json`` with an ETag and answers 304 to a
matching ``If-None-Match``, as Statuspage's pages do; the test picks which
capture it serves now and reads the requests it received.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CAPTURES = Path(__file__).parent / "captures"


class VendorPage:
    def __init__(self, capture: str) -> None:
        self.serve(capture)
        self.requests: list[dict[str, str]] = []
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                page.requests.append({"path": self.path, **dict(self.headers)})
                if self.path != "/api/v2/components.json":
                    self.send_response(404)
                    self.end_headers()
                    return
                body, etag = page.body, page.etag
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def serve(self, capture: str) -> None:
        self.body = (CAPTURES / capture).read_bytes()
        self.etag = f'W/"{hashlib.sha256(self.body).hexdigest()[:20]}"'

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
