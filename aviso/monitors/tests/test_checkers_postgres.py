"""Two checker processes on PostgreSQL share the monitors; killing one hands its
monitors to the other within 30 s: the default lease is short (15 s) and renewed
every 5 s, so a silent checker's claims run out early. (Scaled down: 200 monitors
at 10 s; ``bench/checkers_takeover.py`` runs 1,000 monitors for a minute.)"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from aviso.monitors.models import Monitor, Result
from aviso.monitors.tests.factories import bulk_http_monitors
from aviso.monitors.tests.targets import HttpTarget

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONITORS, INTERVAL, TAKEOVER = 200, 10, 30


def start_checker(name: str) -> subprocess.Popen:
    db = connection.settings_dict
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {
        **os.environ,
        "AVISO_DATABASE_URL": f"postgres://{user}@{host}:{port}/{db['NAME']}",
        "AVISO_DATA_DIR": tempfile.mkdtemp(prefix="aviso-checker-"),
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "aviso", "checker", "--name", name, "--horizon", "1",
         "--stats", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stored_count(output: str) -> int:
    counts = [int(n) for n in re.findall(r"(\d+) stored", output)]
    return max(counts, default=0)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="leases shared by processes need PostgreSQL"
)
class TestTwoCheckers:
    def test_they_share_monitors_and_one_takes_over_when_the_other_dies(self):
        target = HttpTarget()
        try:
            a, b = start_checker("A"), start_checker("B")
            for process in (a, b):  # ready: set up, probes imported (a loaded machine is slow)
                while "started" not in process.stdout.readline():
                    assert process.poll() is None, process.stderr.read()
            start = timezone.now() + dt.timedelta(seconds=2)
            bulk_http_monitors(
                MONITORS, target.url + "/", interval=INTERVAL, timeout=2, start=start
            )
            time.sleep(2 + INTERVAL + 2)  # a full round with both
            killed_at = timezone.now()
            a.send_signal(signal.SIGKILL)
            a_out, _ = a.communicate(timeout=10)
            # Until every monitor was checked again (A's wait for its leases to run out).
            deadline = time.monotonic() + TAKEOVER + 5
            while time.monotonic() < deadline and (
                Result.objects.filter(checked_at__gt=killed_at).values("monitor").distinct().count()
                < MONITORS
            ):
                time.sleep(0.5)
            b.send_signal(signal.SIGTERM)
            b_out, b_err = b.communicate(timeout=30)
        finally:
            target.stop()
            for process in (a, b):
                if process.poll() is None:
                    process.kill()
        assert "Traceback" not in b_err, b_err[-2000:]

        # Both checked monitors before the kill (how they split depends on timing).
        assert stored_count(a_out) > MONITORS / 10, a_out
        assert stored_count(b_out) > MONITORS / 10, b_out

        results = list(Result.objects.values_list("monitor_id", "due_at", "checked_at", "status"))
        by_monitor = defaultdict(list)
        for monitor_id, due_at, checked_at, _status in results:
            by_monitor[monitor_id].append((due_at, checked_at))
        # No schedule slot stored twice (and the unique constraint would refuse it:
        # B's clean exit with no traceback says it never tried).
        assert len({(m, d) for m, d, _, _ in results}) == len(results)
        assert all(status == "up" for *_, status in results)

        # On schedule while both ran: checked well within an interval of being due. (How
        # fast is for bench/checker.py: this suite runs two test files at once on two
        # cores, beside both checkers and the target, so the lag here says little.)
        lags = sorted((c - d).total_seconds() for _, d, c, _ in results if c < killed_at)
        assert lags[int(len(lags) * 0.99)] < INTERVAL / 2, lags[-10:]
        for slots in by_monitor.values():
            before = sorted(d for d, c in slots if c < killed_at)
            gaps = [(y - x).total_seconds() for x, y in zip(before, before[1:], strict=False)]
            assert all(g <= INTERVAL + 0.6 for g in gaps), gaps

        # Every monitor is checked again within 30 s of the kill (the old 90-s lease
        # left a 10-s monitor unchecked for 96 s).
        assert len(by_monitor) == MONITORS
        deadline = killed_at + dt.timedelta(seconds=TAKEOVER)
        for monitor_id, slots in by_monitor.items():
            after = [c for _, c in slots if c > killed_at]
            assert after and min(after) <= deadline, (monitor_id, after[:1])
        assert not Monitor.objects.filter(claimed_until__gt=timezone.now()).exists()
