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
