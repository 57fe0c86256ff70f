"""Shared parts of the checker benchmarks: a fresh database, the target, /proc sampling."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


class Database:
    """A throwaway SQLite file or PostgreSQL database, migrated, with Django set up."""

    def __init__(self, engine: str):
        self.engine = engine
        self.data_dir = tempfile.mkdtemp(prefix="aviso-bench-")
        self.pg_name = None
        os.environ["AVISO_DATA_DIR"] = self.data_dir
        os.environ["DJANGO_SETTINGS_MODULE"] = "aviso.settings"
        os.environ.setdefault("AVISO_LOG_LEVEL", "WARNING")
        if engine == "postgres":
            import psycopg

            self.pg_name = f"aviso_bench_{secrets.token_hex(4)}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.pg_name}"')
            os.environ["AVISO_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.pg_name}"
        else:
            os.environ["AVISO_DATABASE_URL"] = ""
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def drop(self) -> None:
        from django.db import connection

        connection.close()
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def start_target() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "http_target.py")], stdout=subprocess.PIPE, text=True
    )
    return process, int(process.stdout.readline())


def create_monitors(count: int, url, interval: int, lead: float) -> dt.datetime:
    """Create ``count`` monitors, then spread their first due times evenly over one
    interval starting ``lead`` seconds after creation ends. Returns that start.

    ``url``: every monitor's, or a function of the monitor's index giving its own."""
    import uuid

    from django.db import connection

    from aviso.lib.ids import new_code
    from aviso.monitors.models import Monitor

    Monitor.objects.bulk_create(
        (
            Monitor(
                code=new_code(),
                ping_key=uuid.uuid4(),
                name=f"bench {i:06d}",
                kind="http",
                config={"url": url(i) if callable(url) else url},
                interval_seconds=interval,
                timeout_seconds=10,
                next_due_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    first_id = Monitor.objects.order_by("id").values_list("id", flat=True).first()
    start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)
    step = interval / count
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE monitors_monitor SET next_due_at ="
                " %s + (id - %s) * %s * interval '1 second'",
                [start, first_id, step],
            )
        else:
            cursor.execute(
                "UPDATE monitors_monitor SET next_due_at ="
                " strftime('%%Y-%%m-%%d %%H:%%M:%%f', julianday(%s) + (id - %s) * %s / 86400.0)",
                [start.replace(tzinfo=None).isoformat(sep=" "), first_id, step],
            )
    return start


def start_checker(name: str, env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "aviso", "checker", "--name", name, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )


class ProcSampler:
    """CPU seconds and resident memory of a process, read from /proc while it runs."""

    def __init__(self, pid: int):
        self.pid = pid
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.cpu = 0.0
        self.rss_kb = 0
        self.hwm_kb = 0

    def sample(self) -> None:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            self.cpu = (int(fields[11]) + int(fields[12])) / self.ticks
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.rss_kb = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    self.hwm_kb = int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_sampling(process: subprocess.Popen, sampler: ProcSampler, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        sampler.sample()
        time.sleep(0.5)
