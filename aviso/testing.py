"""Test data built in code (no fixtures files): pages, components, incidents, people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model

from aviso.status import lifecycle
from aviso.status.models import Component, Page

SYSTEM = lifecycle.Actor.system("tests")


def make_page(name: str = "Acme", time_zone: str = "America/Guayaquil", **fields) -> Page:
    return lifecycle.create_page(actor=SYSTEM, name=name, time_zone=time_zone, **fields)


def make_component(page: Page, name: str = "API", group: str | None = None, **fields) -> Component:
    if group is not None:
        found = page.groups.filter(name=group).first()
        fields["group"] = found or lifecycle.create_group(page, actor=SYSTEM, name=group)
    fields.setdefault("start_date", dt.date(2020, 1, 1))
    return lifecycle.create_component(page, actor=SYSTEM, name=name, **fields)


def make_user(username: str = "alice", *, superuser: bool = False, password: str = "pw-Secret-123"):
    User = get_user_model()  # noqa: N806
    user = User.objects.create_user(username, f"{username}@example.com", password)
    if superuser:
        user.is_staff = user.is_superuser = True
        user.save()
    return user


# Appended by the console: people with a console role (admin, responder, viewer).
def make_person(username: str, role: str | None, *, password: str = "pw-Secret-123"):
    """A user holding one console role ("admin", "responder", "viewer"), or none."""
    from aviso.console.roles import Role, assign_role

    user = make_user(username, password=password)
    assign_role(user, Role(role) if role else None)
    return user


# Appended for tests that start `aviso web` or `aviso up` as processes.
def shared_static_root(env: dict[str, str]) -> str:
    """A folder of collected static files that every such test on this machine shares.

    The first start in a fresh data dir compresses about 1,000 static files (a
    minute of CPU, several on a loaded machine) before it serves anything, which
    is not what those tests measure. This collects them once, under the given
    environment's settings, before the test's clock starts; later calls find the
    fingerprint (``aviso.status.staticfiles``) and return at once.
    """
    import subprocess
    import sys
    import tempfile

    root = str(Path(tempfile.gettempdir()) / "aviso-test-static")
    code = (
        "import django; django.setup(); "
        "from aviso.status.staticfiles import collect_static_if_changed as c; c()"
    )
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code],
        env={**env, "AVISO_STATIC_ROOT": root, "DJANGO_SETTINGS_MODULE": "aviso.settings"},
        check=True,
        timeout=900,
    )
    return root


# Appended for the browser tests: one way to start Debian's Chromium.
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


def chromium():
    """Debian's Chromium under Playwright's sync API, as a context manager of a Browser.

    Skips the calling test, saying why, when the browser or Playwright is missing
    (``make test`` installs the browser when run as root). Playwright's sync API
    runs an event loop in this thread: a test that calls the ORM inside the block
    sets DJANGO_ALLOW_ASYNC_UNSAFE (the calls stay in this one thread).
    """
    import contextlib
    import os

    import pytest

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")

    @contextlib.contextmanager
    def running():
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu"])
            try:
                yield browser
            finally:
                browser.close()

    return running()
