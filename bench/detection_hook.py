"""What the detection hook adds to the checker's write path (SQLite, in-process).

    .venv/bin/python bench/detection_hook.py [--monitors 1000] [--rounds 7]

Stores ``--monitors`` results per round with the checker's own store units, then
runs the detection hook on the batch's observations; prints the median time of
each per round (all monitors up and steady, one in ten linked to a component).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
os.environ["AVISO_DATA_DIR"] = tempfile.mkdtemp(prefix="aviso-bench-detection-")
os.environ["AVISO_DATABASE_URL"] = ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from aviso.detection import engine
    from aviso.monitors import store
    from aviso.monitors.choices import CheckStatus
    from aviso.monitors.models import Monitor
    from aviso.monitors.probes import Outcome
    from aviso.monitors.store import Done
    from aviso.testing import make_component, make_page

    page = make_page()
    components = [make_component(page, f"Service {i}") for i in range(args.monitors // 10)]
    Monitor.objects.bulk_create(
        [
            Monitor(name=f"m{i}", kind="tcp", config={"host": "127.0.0.1", "port": 9},
                    component=components[i // 10] if i % 10 == 0 else None,
                    interval_seconds=60)
            for i in range(args.monitors)
        ]
    )  # fmt: skip
    stores, hooks = [], []
    for _ in range(args.rounds + 1):
        now = timezone.now()
        Monitor.objects.update(next_due_at=now, claimed_until=None, claimed_by="")
        jobs, _ = store.claim_due(
            "bench", until=now + dt.timedelta(seconds=1), lease=dt.timedelta(seconds=60),
            batch=args.monitors,
        )  # fmt: skip
        done = [
            Done(j, now, Outcome(CheckStatus.UP, 1.0, "ok"), now + dt.timedelta(minutes=1))
            for j in jobs
        ]
        started = time.perf_counter()
        observations = store.save_results("bench", done)
        stored = time.perf_counter()
        engine.on_observations(observations)
        hooked = time.perf_counter()
        stores.append(stored - started)
        hooks.append(hooked - stored)
    # The first round creates every watch row; report it apart from the steady rounds.
    print(f"monitors per batch: {args.monitors}")
    print(f"first batch: store {stores[0] * 1000:.0f} ms, detection {hooks[0] * 1000:.0f} ms")
    print(
        f"steady (median of {args.rounds}): store {statistics.median(stores[1:]) * 1000:.0f} ms,"
        f" detection {statistics.median(hooks[1:]) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
