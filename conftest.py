"""Suite-wide settings: which database the run uses is said once, at the top."""

from __future__ import annotations

from django.conf import settings


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"aviso: database tests run on {engine}"
