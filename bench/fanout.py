"""One incident update to many subscribers: 100,000 emails and 10,000 webhooks.

    .venv/bin/python bench/fanout.py [--emails 100000] [--webhooks 10000]
                                     [--database-url postgres://...] [--workers 1]

Runs against real local receivers, each in its own process: an aiosmtpd sink
and an aiohttp server on 127.0.0.1 (ephemeral ports). Builds a fresh database
(a file SQLite in a temporary directory unless --database-url is given), adds
the subscribers, declares an incident, starts ``aviso worker`` process(es)
and reports: fan-out time (delivery rows written), time to the last email and
to the last webhook, deliveries per second, and each worker's peak RSS.
Stops after --limit seconds whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --- receivers (run as child processes of this script) -------------------------------


def run_sink() -> None:
    from aiosmtpd.smtp import SMTP

    count = 0

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            nonlocal count
            count += 1
            return "250 OK"

    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: SMTP(Handler(), hostname="sink"), "127.0.0.1", 0)
        print("PORT", server.sockets[0].getsockname()[1], flush=True)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        print("COUNT", count, flush=True)

    import logging

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    asyncio.run(main())


def run_receiver() -> None:
    from aiohttp import web

    count = 0

    async def hook(request):
        nonlocal count
        await request.read()
        count += 1
        return web.Response(text="ok")

    async def main():
        app = web.Application()
        app.router.add_post("/{tail:.*}", hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        print("PORT", site._server.sockets[0].getsockname()[1], flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        print("COUNT", count, flush=True)
        await runner.cleanup()

    asyncio.run(main())


def start_child(kind: str) -> tuple[subprocess.Popen, int]:
    child = subprocess.Popen(
        [sys.executable, __file__, kind], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    line = child.stdout.readline().split()
    return child, int(line[1])


def stop_child(child: subprocess.Popen) -> int:
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=30)
    for line in out.splitlines():
        if line.startswith("COUNT"):
            return int(line.split()[1])
    return -1


# --- the measured run ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def django_env(args, data_dir: str, smtp_port: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_DATA_DIR": data_dir,
        "AVISO_SECRET_KEY": "bench",
        "AVISO_EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "AVISO_NOTIFY_ALLOW_PRIVATE": "1",
        "AVISO_LOG_LEVEL": "WARNING",
    }
    env["AVISO_DATABASE_URL"] = args.database_url or f"sqlite:///{data_dir}/aviso.sqlite3"
    return env


def query(env: dict, sql: str):
    """One row from the benchmark database, read directly (no Django start-up per poll)."""
    url = env["AVISO_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(sql).fetchone()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(sql).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=100_000)
    parser.add_argument("--webhooks", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--limit", type=float, default=300, help="give up after this many s")
    args = parser.parse_args()

    sink, smtp_port = start_child("sink")
    receiver, http_port = start_child("receiver")
    data_dir = tempfile.mkdtemp(prefix="aviso-bench-")
    env = django_env(args, data_dir, smtp_port)
    workers = []
    try:
        subprocess.run(
            [sys.executable, "-m", "aviso", "manage", "flush", "--no-input", "-v0"]
            if args.database_url
            else [sys.executable, "-c", "pass"],
            env=env,
            check=False,
        )
        subprocess.run(
            [sys.executable, "-m", "aviso", "manage", "migrate", "-v0"], env=env, check=True
        )
        urls = [f"http://127.0.0.1:{http_port}/hook/{i}" for i in range(args.webhooks)]
        setup = (
            "import django, sys, json; django.setup(); "
            "from aviso.notify.tests.scenario import populate, declare; "
            f"page = populate({args.emails}, json.loads(sys.stdin.read())); "
            "from aviso.status.worker import process_events; "
            "process_events('setup'); "  # the page's own creation events, not measured
            "declare(page)"
        )
        import json

        began = time.monotonic()
        subprocess.run(
            [sys.executable, "-c", setup], env=env, check=True, input=json.dumps(urls), text=True
        )
        print(
            f"setup: {args.emails} email + {args.webhooks} webhook subscribers "
            f"in {time.monotonic() - began:.1f} s"
        )

        start = time.monotonic()
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    *os.environ.get("BENCH_PYTHON_ARGS", "").split(),
                    "-m",
                    "aviso",
                    "worker",
                    "--poll",
                    "0.2",
                ],
                env=env,
            )
            for _ in range(args.workers)
        ]
        total = args.emails + args.webhooks
        finished = False
        rss: dict[int, float] = {}
        cpu: dict[int, float] = {}
        while time.monotonic() - start < args.limit:
            time.sleep(2)
            for w in workers:
                rss[w.pid] = peak_rss_mb(w.pid)
                cpu[w.pid] = cpu_seconds(w.pid)
            done, created = query(
                env,
                "SELECT sum(CASE WHEN state != 'pending' THEN 1 ELSE 0 END), count(*) "
                "FROM notify_delivery",
            )
            print(
                f"  {time.monotonic() - start:6.1f} s: {created or 0} rows, {done or 0} done",
                flush=True,
            )
            if created == total and done == total:
                finished = True
                break
        wall = time.monotonic() - start
        for w in workers:
            rss[w.pid] = peak_rss_mb(w.pid)
            cpu[w.pid] = cpu_seconds(w.pid)
            w.send_signal(signal.SIGTERM)
        receivers_cpu = cpu_seconds(sink.pid), cpu_seconds(receiver.pid)
        for w in workers:
            w.wait(30)
        workers = []
        stats = query(
            env,
            "SELECT (SELECT max(handled_at) FROM status_event WHERE kind='incident.created'), "
            "(SELECT min(created_at) FROM notify_delivery), "
            "(SELECT max(created_at) FROM notify_delivery), "
            "(SELECT max(sent_at) FROM notify_delivery WHERE transport='email'), "
            "(SELECT max(sent_at) FROM notify_delivery WHERE transport='webhook'), "
            "(SELECT min(sent_at) FROM notify_delivery), "
            "(SELECT count(*) FROM notify_delivery WHERE state='sent'), "
            "(SELECT count(*) FROM notify_delivery WHERE state='dead')",
        )
    finally:
        for w in workers:
            w.kill()
        emails_received = stop_child(sink)
        hooks_received = stop_child(receiver)

    from datetime import datetime

    def t(value):
        return datetime.fromisoformat(str(value).replace(" ", "T")) if value else None

    handled_at, first_row, last_row, last_email, last_hook, first_sent, sent, dead = stats
    handled_at, first_row, last_row = t(handled_at), t(first_row), t(last_row)
    last_email, last_hook, first_sent = t(last_email), t(last_hook), t(first_sent)
    print()
    print(f"finished: {finished} (wall {wall:.1f} s from worker start, limit {args.limit:.0f} s)")
    print(
        f"database: {'PostgreSQL' if args.database_url else 'SQLite (file, WAL)'}; "
        f"workers: {args.workers}"
    )
    if first_row and handled_at:
        secs = (handled_at - first_row).total_seconds()
        print(f"fan-out: {args.emails + args.webhooks} delivery rows written in {secs:.1f} s")
    if last_email and first_row:
        secs = (last_email - first_row).total_seconds()
        print(
            f"emails: {args.emails} -> last sent {secs:.1f} s after fan-out began "
            f"({args.emails / secs:.0f}/s); sink received {emails_received}"
        )
    if last_hook and first_row:
        secs = (last_hook - first_row).total_seconds()
        print(
            f"webhooks: {args.webhooks} -> last sent {secs:.1f} s after fan-out began "
            f"({args.webhooks / secs:.0f}/s); receiver got {hooks_received}"
        )
    print(f"sent {sent}, dead {dead}")
    print("worker peak RSS (VmHWM): " + ", ".join(f"{v:.0f} MB" for v in rss.values()))
    worker_cpu = sum(cpu.values())
    print(
        f"CPU seconds: workers {worker_cpu:.1f} "
        f"({1000 * worker_cpu / max(sent, 1):.2f} ms per delivery), "
        f"SMTP sink {receivers_cpu[0]:.1f}, HTTP receiver {receivers_cpu[1]:.1f}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "sink":
        run_sink()
    elif len(sys.argv) > 1 and sys.argv[1] == "receiver":
        run_receiver()
    else:
        main()
