"""Two checkers on PostgreSQL share 1,000 monitors for a minute; one is killed half-way.

    .venv/bin/python bench/checkers_takeover.py [--n 1000 --interval 10 --lease 15 --duration 60]

Reports what each checker stored, whether any schedule slot was stored twice,
the schedule lag while both ran, how many slots each monitor got against how
many its interval asks for, and how long after the kill the last of the dead
checker's monitors was checked again (bounded by interval + lease).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import signal
import time
from collections import defaultdict

from common import (
    Database,
    checker_output,
    create_monitors,
    percentile,
    start_checker,
    start_target,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=10)
    parser.add_argument("--lease", type=float, default=15)
    parser.add_argument("--duration", type=float, default=60)
    args = parser.parse_args()
    db = Database("postgres")
    target, port = start_target()
    try:
        print(json.dumps(run(db, port, args)))
    finally:
        target.terminate()
        db.drop()


def run(db: Database, port: int, args) -> dict:
    from aviso.monitors.models import Result

    start = create_monitors(args.n, f"http://127.0.0.1:{port}/", args.interval, lead=4.0)
    flags = ("--lease", str(args.lease), "--stats", "5")
    a, b = start_checker("A", db.env(), *flags), start_checker("B", db.env(), *flags)
    time.sleep((start - dt.datetime.now(dt.UTC)).total_seconds() + args.duration / 2)
    killed_at = dt.datetime.now(dt.UTC)
    a.send_signal(signal.SIGKILL)
    a_out = checker_output(a, timeout=10)
    time.sleep(args.duration / 2)
    b.send_signal(signal.SIGTERM)
    b_out = checker_output(b, timeout=60)
    end = dt.datetime.now(dt.UTC)

    rows = list(Result.objects.values_list("monitor_id", "due_at", "checked_at"))
    slots = defaultdict(list)
    for monitor_id, due_at, checked_at in rows:
        slots[monitor_id].append((due_at, checked_at))
    before = [(c - d).total_seconds() for _, d, c in rows if c < killed_at]
    first_after = [min((c for _, c in s if c > killed_at), default=None) for s in slots.values()]
    missing_after = sum(1 for f in first_after if f is None)
    takeover = max((f - killed_at).total_seconds() for f in first_after if f is not None)
    expected = (end - start).total_seconds() / args.interval
    per_monitor = [len(s) for s in slots.values()]

    def stored(output: str) -> int:
        return max((int(n) for n in re.findall(r"(\d+) stored", output)), default=0)

    return {
        "monitors": args.n,
        "interval_s": args.interval,
        "lease_s": args.lease,
        "run_s": round((end - start).total_seconds(), 1),
        "a_stored_by_last_report": stored(a_out),
        "b_stored": stored(b_out),
        "results": len(rows),
        "distinct_slots": len({(m, d) for m, d, _ in rows}),
        "monitors_checked": len(slots),
        "slots_per_monitor_min_max": [min(per_monitor), max(per_monitor)],
        "slots_expected_about": round(expected, 1),
        "lag_p50_ms_both_running": round(percentile(before, 0.5) * 1000, 1),
        "lag_p99_ms_both_running": round(percentile(before, 0.99) * 1000, 1),
        "monitors_not_checked_after_kill": missing_after,
        "last_monitor_checked_again_after_kill_s": round(takeover, 1),
        "bound_interval_plus_lease_s": args.interval + args.lease,
    }


if __name__ == "__main__":
    main()
