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


# The longest files first: pytest-xdist hands whole files to workers in collection
# order (--dist loadfile), and a long file drawn last leaves the other workers idle
# at the end of the run. Ordered by their time on the two-core machines.
LONGEST_FIRST = (
    "aviso/publish/tests/test_incremental.py",
    "aviso/hostile/tests/test_loss.py",
    "aviso/scenarios/tests/test_scenarios.py",
    "aviso/config/tests/test_backup.py",
    "aviso/demo/tests/test_live.py",
    "aviso/tests/test_cli.py",
    "aviso/publish/tests/test_tasks.py",
    "aviso/monitors/tests/test_checkers_postgres.py",
    "aviso/monitors/tests/test_console_browser.py",
    "aviso/console/tests/test_permissions.py",
    "aviso/catalogs/tests/test_cli_language.py",
    "aviso/tests/test_restart.py",
    "aviso/publish/tests/test_outage.py",
    "aviso/api/tests/test_statuspage.py",
    "aviso/notify/tests/test_worker_process.py",
    "aviso/api/tests/test_openapi.py",
)


# What the database engine can change: transactions and locks, claims and leases,
# the outbox, SQL aggregates and query plans, JSON lookups, migrations, backups.
# The PostgreSQL pass of `make test` runs these files (and every test marked
# `postgres`) again; render logic, screens, probes, catalogs and the address
# guard run once, on SQLite.
ENGINE_SPECIFIC = frozenset(
    {
        "aviso/status/tests/test_lifecycle.py",
        "aviso/status/tests/test_claims.py",
        "aviso/status/tests/test_component_status.py",
        "aviso/status/tests/test_uptime.py",
        "aviso/status/tests/test_reports.py",
        "aviso/notify/tests/test_sending.py",
        "aviso/notify/tests/test_api.py",
        "aviso/monitors/tests/test_store.py",
        "aviso/monitors/tests/test_runner.py",
        "aviso/monitors/tests/test_rollups.py",
        "aviso/monitors/tests/test_lifecycle.py",
        "aviso/monitors/tests/test_api.py",
        "aviso/detection/tests/test_engine.py",
        "aviso/detection/tests/test_broad_outage.py",
        "aviso/detection/tests/test_liveness.py",
        "aviso/detection/tests/test_metrics_scale.py",
        "aviso/api/tests/test_management_api.py",
        "aviso/config/tests/test_engine.py",
        "aviso/config/tests/test_backup.py",
        "aviso/hostile/tests/test_loss.py",
    }
)


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        if item.nodeid.split("::", 1)[0] in ENGINE_SPECIFIC:
            item.add_marker(pytest.mark.engine_specific)
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
