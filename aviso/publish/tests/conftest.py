"""Each publish test gets its own snapshot directory."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def snapshot_dir(settings, tmp_path):
    settings.AVISO_SNAPSHOT_DIR = str(tmp_path / "snapshots")
    return tmp_path / "snapshots"


@pytest.fixture
def django_wsgi():
    """Django's WSGI app, minus the per-request connection closing (as the test client does),
    so requests that fall through run inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Reply:
    def __init__(self, status: str, headers: list, body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body


def wsgi_get(app, url: str, method: str = "GET", **headers: str) -> Reply:
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper()] = value
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"], captured["headers"] = status, response_headers

    chunks = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return Reply(captured["status"], captured["headers"], body)
