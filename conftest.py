"""Suite-wide settings: which database the run uses is said once, at the top."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"aviso: database tests run on {engine}"


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in Spanish activates it for the thread; each test starts in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def browser():
    """A Chromium Browser (aviso.testing.chromium); the test skips when there is none."""
    from aviso.testing import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def smtp(settings):
    """A real SMTP sink on 127.0.0.1, accepting mail, with Django's mail pointed at it.

    (``aviso/notify/tests`` has its own, created down, for tests of an SMTP outage.)
    """
    from aviso.notify.testing import SmtpSink

    sink = SmtpSink()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5
    sink.up()
    yield sink
    sink.down()
    sink.sock.close()
