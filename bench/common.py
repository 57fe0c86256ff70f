"""Shared parts of the benchmarks: a fresh database, the target, /proc sampling, CPU lists."""

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
    """``aviso checker`` with its output in a file (``checker_output`` reads it).

    Not a pipe: a pipe nobody reads while the checker runs fills at 64 KiB, and the
    checker's next log line then blocks its event loop, and every check with it.
    """
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the checker
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "aviso", "checker", "--name", name, *args],
        env=env, stdout=output, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    process.output_file = output
    return process


def checker_output(process: subprocess.Popen, timeout: float) -> str:
    """Wait for a checker started by ``start_checker`` to exit; everything it printed."""
    process.wait(timeout)
    process.output_file.seek(0)
    return process.output_file.read()


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


def cpu_list(cpus: list[int]) -> str:
    """``[0, 1, 2, 5]`` as taskset writes it: ``0-2,5``."""
    spans: list[str] = []
    for cpu in sorted(cpus):
        if spans and spans[-1].split("-")[-1] == str(cpu - 1):
            spans[-1] = f"{spans[-1].split('-')[0]}-{cpu}"
        else:
            spans.append(str(cpu))
    return ",".join(spans)


def group_processes(pgid: int) -> list[int]:
    """The live processes of a process group (a server and its workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def group_cpu_seconds(pgid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in group_processes(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


def group_placement(pgid: int) -> str:
    """How many processes the group has and the CPUs they are allowed on."""
    allowed: set[str] = set()
    pids = group_processes(pgid)
    for pid in pids:
        try:
            allowed.add(cpu_list(sorted(os.sched_getaffinity(pid))))
        except OSError:
            continue
    return f"{len(pids)} processes on CPU {' / '.join(sorted(allowed)) or '?'}"
