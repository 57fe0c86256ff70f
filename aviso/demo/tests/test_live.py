"""The demo is alive: synthetic services, monitors on them, scenarios played on them."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from aviso.demo.live import DemoServices, read_modes, running_demo, write_modes
from aviso.demo.loader import load_demo
from aviso.demo.plays import play
from aviso.demo.wiring import connect_monitors
from aviso.detection import engine
from aviso.detection.tests.helpers import check
from aviso.monitors.models import Monitor
from aviso.status.choices import IncidentStatus
from aviso.status.models import Component
from aviso.testing import shared_static_root

ROOT = Path(__file__).resolve().parents[3]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.read()


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _poll(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@pytest.fixture
def live(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DETECTION_RESOLVE_AFTER_SECONDS = 0
    page = load_demo()
    services = DemoServices([c.name for c in page.components.all()])
    yield services
    services.stop()


@pytest.mark.django_db
class TestLiveDemo:
    def test_every_component_gets_a_service_and_a_monitor_with_its_dependencies(self, live):
        monitors = connect_monitors({n: s.url for n, s in live.services.items()})
        assert len(monitors) == 8
        by_name = {m.component.name: m for m in Monitor.objects.select_related("component")}
        assert by_name["Bot Platform"].depends_on == by_name["Databases"]
        assert by_name["WhatsApp Messaging Service"].depends_on == by_name["Bot Platform"]
        # Every component with a synthetic service (the public page's; the private
        # page's staff-only components have none) shows its response times.
        served = Component.objects.filter(name__in=live.services)
        assert served.count() == 8 and all(c.show_response_times for c in served)
        assert _get(live.services["Databases"].url) == b"ok"
        # A second start re-aims the same monitors at the new ports.
        again = connect_monitors({n: s.url + "?again" for n, s in live.services.items()})
        assert {m.pk for m in again} == {m.pk for m in monitors}
        assert Monitor.objects.get(pk=by_name["Databases"].pk).config["url"].endswith("?again")

    def test_modes_close_the_port_and_answer_503_and_ok_again(self, live):
        databases = live.services["Databases"]
        port = databases.port
        write_modes({"Databases": "closed", "Web Chat": "down", "Bot Platform": "melted"})
        assert read_modes() == {"Databases": "closed", "Web Chat": "down"}
        _poll(lambda: _refused(port), 5, "the port to close")
        with pytest.raises(urllib.error.HTTPError) as error:
            _get(live.services["Web Chat"].url)
        assert error.value.code == 503
        write_modes({})
        _poll(lambda: not _refused(port), 5, "the port to open again")
        assert databases.port == port and _get(databases.url) == b"ok"

    def test_db_saturation_on_the_demo_opens_one_incident_and_folds_the_others_in(self, live):
        monitors = connect_monitors({n: s.url for n, s in live.services.items()})
        wanted = {"Databases", "Bot Platform", "WhatsApp Messaging Service"}
        watched = [m for m in monitors if m.component.name in wanted]
        for monitor in watched:
            check(monitor)
        said = []

        def tick():  # the demo's checker and worker, one round at a time
            time.sleep(0.4)  # the services read their modes a few times a second
            for monitor in watched:
                check(monitor)
            engine.sweep()

        incident = play("db-saturation", say=said.append, tick=tick, timeout=60)
        affected = {c.name for c in incident.components.all()}
        assert incident.name.startswith("Databases") and affected == wanted
        incident.refresh_from_db()
        assert incident.status in (IncidentStatus.MONITORING, IncidentStatus.RESOLVED)
        assert read_modes() == {}
        assert any("incident open after" in line for line in said)


class TestAvisoUpDemo:
    def test_make_run_starts_services_and_monitors_checking_and_stops_them(self, tmp_path):
        data = tmp_path / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AVISO_", "DJANGO_"))}
        env |= {"AVISO_DATA_DIR": str(data), "AVISO_ADMIN_PASSWORD": "pw-Secret-123",
                "PYTHONPATH": str(ROOT)}  # fmt: skip
        env["AVISO_STATIC_ROOT"] = shared_static_root(env)
        log = (tmp_path / "up.log").open("w")
        up = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "aviso", "up", "--demo", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        services = data / "demo" / "services.json"

        def checked() -> int:
            if not (data / "aviso.sqlite3").exists():
                return 0
            with sqlite3.connect(data / "aviso.sqlite3", timeout=5) as db:
                try:
                    row = db.execute(
                        "SELECT COUNT(DISTINCT monitor_id) FROM monitors_result"
                    ).fetchone()
                except sqlite3.OperationalError:  # not migrated yet, or busy
                    return 0
            return row[0] >= 8

        try:
            # Generous: migrations, static files and three children on a loaded machine.
            _poll(checked, 180, "every demo monitor to have checked its service")
            ports = json.loads(services.read_text())["ports"]
            assert len(ports) == 8
            assert _get(f"http://127.0.0.1:{ports['Databases']}/health") == b"ok"
        finally:
            up.send_signal(signal.SIGTERM)
            try:
                up.wait(timeout=60)
            except subprocess.TimeoutExpired:
                up.kill()
            log.close()
        assert up.returncode == 0, (tmp_path / "up.log").read_text()[-2000:]
        assert not services.exists()
        assert all(_refused(p) for p in ports.values())  # stopped with the demo


@pytest.mark.django_db
def test_on_demo_refuses_without_a_running_demo(settings, tmp_path):
    from django.core.management import CommandError, call_command

    settings.DATA_DIR = tmp_path
    assert running_demo() is None
    with pytest.raises(CommandError, match="make run"):
        call_command("scenario", "dependency-cut", "--on-demo")
