"""Benchmark: one checker process running N HTTP monitors at a 30-s interval.

    .venv/bin/python bench/checker.py --db sqlite --n 1000
    .venv/bin/python bench/checker.py --db postgres --n 50000 --duration 75

Creates a fresh database, N monitors spread evenly over one interval against a
local target (bench/http_target.py, its own process), runs `aviso checker` for
``--duration`` seconds and reports, over the steady window (after ``--warmup``):
checks per second (stored results), schedule lag p50/p99 (start of check minus
its due time), the checks due in the window that never ran, and the checker
process's CPU seconds per wall second and peak RSS.

``--hanging 0.2`` points that share of the monitors at ``/hang`` (accepted, never
answered: each check holds its socket for the whole 10-s timeout) and reports the
lag of the healthy monitors apart: they must keep their schedule (issue 14).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import time

from common import (
    Database,
    ProcSampler,
    checker_output,
    create_monitors,
    percentile,
    start_checker,
)
from common import start_target as start_http_target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--duration", type=float, default=75)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto")
    parser.add_argument("--hanging", type=float, default=0.0, help="share of hanging targets")
    args = parser.parse_args()

    db = Database(args.db)
    target, port = start_http_target()
    try:
        report = run(db, port, args)
    finally:
        target.terminate()
        db.drop()
    print(json.dumps(report))


def run(db: Database, port: int, args) -> dict:
    from django.db.models import Count

    from aviso.monitors.models import Monitor, Result

    created = time.perf_counter()
    # 4 s of lead: the checker's start-up, before the first monitor is due.
    start = create_monitors(args.n, f"http://127.0.0.1:{port}/", args.interval, lead=4.0)
    create_seconds = time.perf_counter() - created
    hanging = int(args.n * args.hanging)
    if hanging:  # every k-th monitor, so the hanging ones are spread over the interval
        step = args.n / hanging
        ids = list(Monitor.objects.order_by("id").values_list("id", flat=True))
        chosen = [ids[int(i * step)] for i in range(hanging)]
        for begin in range(0, len(chosen), 900):
            Monitor.objects.filter(id__in=chosen[begin : begin + 900]).update(
                config={"url": f"http://127.0.0.1:{port}/hang"}
            )

    checker = start_checker("bench", db.env(), "--stats", "15", "--loop", args.loop)
    sampler = ProcSampler(checker.pid)
    wait_until = time.monotonic() + (start - dt.datetime.now(dt.UTC)).total_seconds()
    while time.monotonic() < wait_until:
        sampler.sample()
        time.sleep(0.2)
    window_start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=args.warmup)
    cpu_at_window = None
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline and checker.poll() is None:
        sampler.sample()
        if cpu_at_window is None and dt.datetime.now(dt.UTC) >= window_start:
            cpu_at_window = (sampler.cpu, time.monotonic())
        time.sleep(0.5)
    window_end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)  # leave the last flush out
    sampler.sample()
    cpu_end = (sampler.cpu, time.monotonic())
    checker.send_signal(signal.SIGTERM)
    output = checker_output(checker, timeout=60)

    in_window = Result.objects.filter(due_at__gte=window_start, due_at__lt=window_end)
    healthy = in_window.exclude(monitor__config__url__endswith="/hang")
    healthy_lags = [
        (checked - due).total_seconds()
        for due, checked in healthy.values_list("due_at", "checked_at").iterator(chunk_size=20_000)
    ]
    lags = [
        (checked - due).total_seconds()
        for due, checked in in_window.values_list("due_at", "checked_at").iterator(
            chunk_size=20_000
        )
    ]
    seconds = (window_end - window_start).total_seconds()
    # Slots due in the window that were never run: monitors whose next due time
    # fell behind the window's end (each stands for at least one missed slot).
    behind = Monitor.objects.filter(next_due_at__lt=window_end - dt.timedelta(seconds=1)).count()
    cpu_window = (
        (cpu_end[0] - cpu_at_window[0]) / (cpu_end[1] - cpu_at_window[1]) if cpu_at_window else None
    )
    statuses = dict(in_window.values_list("status").order_by().annotate(n=Count("id")))
    failures = dict(
        in_window.exclude(status="up")
        .values_list("message")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")[:5]
    )
    return {
        "db": args.db,
        "loop": args.loop,
        "loadavg_1m_at_end": float(open("/proc/loadavg").read().split()[0]),
        "n": args.n,
        "interval_s": args.interval,
        "target_checks_per_s": round(args.n / args.interval, 1),
        "window_s": round(seconds, 1),
        "checks_per_s": round(len(lags) / seconds, 1),
        "lag_p50_ms": round(percentile(lags, 0.5) * 1000, 1),
        "lag_p99_ms": round(percentile(lags, 0.99) * 1000, 1),
        "lag_max_ms": round(max(lags, default=float("nan")) * 1000, 1),
        "monitors_behind_at_end": behind,
        "hanging_share": args.hanging,
        "healthy_lag_p50_ms": round(percentile(healthy_lags, 0.5) * 1000, 1),
        "healthy_lag_p99_ms": round(percentile(healthy_lags, 0.99) * 1000, 1),
        "healthy_checks": len(healthy_lags),
        "statuses": statuses,
        "failures": failures,
        "cpu_per_wall_s": None if cpu_window is None else round(cpu_window, 2),
        "rss_peak_mib": round(sampler.hwm_kb / 1024, 1),
        "create_monitors_s": round(create_seconds, 1),
        "checker_tail": output.strip().splitlines()[-2:],
    }


if __name__ == "__main__":
    main()
