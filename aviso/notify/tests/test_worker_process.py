"""``aviso worker`` as a real process against a file SQLite database, killed mid fan-out."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

from aviso.notify.testing import SmtpSink
from aviso.notify.tests.scenario import email_address

SUBSCRIBERS = 300


def run(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "aviso", *args], env=env, check=True, capture_output=True, **kwargs
    )


def python(env, code: str):
    script = f"import django; django.setup(); {code}"
    return subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, timeout=120
    )


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class TestWorkerKilledMidFanOut:
    def test_it_delivers_to_everyone_after_a_restart(self, tmp_path):
        sink = SmtpSink(delay=0.01).up()
        db = tmp_path / "aviso.sqlite3"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "aviso.settings",
            "AVISO_DATA_DIR": str(tmp_path),
            "AVISO_DATABASE_URL": f"sqlite:///{db}",
            "AVISO_SECRET_KEY": "test-secret",
            "AVISO_EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "AVISO_DELIVERY_LEASE": "2",
            "AVISO_EMAIL_BATCH": "60",
            "AVISO_SMTP_CONNECTIONS": "2",
            "AVISO_LOG_LEVEL": "WARNING",
        }
        try:
            run(env, "manage", "migrate", "-v0", timeout=120)
            python(
                env,
                "from aviso.notify.tests.scenario import populate, declare; "
                f"declare(populate({SUBSCRIBERS}))",
            )
            worker = subprocess.Popen(
                [sys.executable, "-m", "aviso", "worker", "--poll", "0.1"], env=env
            )
            wait_for(lambda: len(sink) >= 60, 60, "the first mails")
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            # Let the sink finish what it was taking when the client died: until its
            # count has not moved for half a second (a fixed pause was too short on a
            # loaded machine, and a mail counted late looked like a repeat).
            settled, count = time.monotonic(), len(sink)
            while time.monotonic() - settled < 0.5:
                time.sleep(0.05)
                if len(sink) != count:
                    settled, count = time.monotonic(), len(sink)
            accepted_before = set(sink.per_recipient())
            with sqlite3.connect(db) as conn:
                recorded = {
                    row[0]
                    for row in conn.execute(
                        "SELECT s.address FROM notify_delivery d JOIN notify_subscriber s "
                        "ON s.id = d.subscriber_id WHERE d.state = 'sent'"
                    )
                }
            assert 0 < len(accepted_before) < SUBSCRIBERS, "the kill should land mid fan-out"

            worker = subprocess.Popen(
                [sys.executable, "-m", "aviso", "worker", "--poll", "0.1"], env=env
            )

            def all_sent() -> bool:
                with sqlite3.connect(db) as conn:
                    [(pending,)] = conn.execute(
                        "SELECT count(*) FROM notify_delivery WHERE state != 'sent'"
                    )
                return pending == 0

            wait_for(all_sent, 90, "every delivery to be sent")
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
        finally:
            sink.down()

        copies: Counter = sink.per_recipient()
        everyone = {email_address(i) for i in range(SUBSCRIBERS)}
        assert set(copies) == everyone
        duplicated = {address for address, n in copies.items() if n > 1}
        # A second copy only where the server took the first and the worker died before
        # writing it down; never for a send already recorded.
        assert duplicated <= accepted_before - recorded
        assert all(n <= 2 for n in copies.values())
        assert recorded <= accepted_before
