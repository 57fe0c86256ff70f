from __future__ import annotations

import pytest

from aviso.notify.testing import HttpReceiver, SmtpSink


@pytest.fixture
def smtp(settings):
    """An SMTP sink on an ephemeral port, created down: call ``.up()`` to accept mail."""
    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.down()
    sink.sock.close()


@pytest.fixture
def receiver(settings):
    settings.NOTIFY_ALLOW_PRIVATE = True
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1
    http = HttpReceiver(hang_seconds=2, slow_seconds=0.3).start()
    yield http
    http.stop()


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = "https://status.example.com"
