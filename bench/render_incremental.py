"""A full snapshot render vs the incremental render after one incident update.

    python bench/render_incremental.py [--incidents 10000] [--components 50]
        [--full-runs 3] [--runs 7] [--languages en,es]

Builds the data of bench/render.py (incidents over three years, 50 components)
in a throwaway SQLite database, then times ``tasks.render_snapshots(full=True)``
and, after each of several ``post_update`` calls on one open incident (its
events handed to the publish handler as the worker would), the incremental
``tasks.render_snapshots()``. Prints medians, min-max and the paths rendered.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--full-runs", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--languages", default="en")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="aviso-bench-")
    os.environ["AVISO_DATA_DIR"] = data_dir
    os.environ["AVISO_DATABASE_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "aviso.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from render import build

    from aviso.publish import tasks
    from aviso.status import lifecycle
    from aviso.status.models import Event, Page

    build(args.incidents, args.components)
    system = lifecycle.Actor.system("bench")
    page = Page.default()
    lifecycle.update_page(page, actor=system, languages=args.languages.split(","))
    component = page.components.first()
    incident = lifecycle.create_incident(
        page, actor=system, name="Slow API", components={component: "degraded_performance"}
    )
    Event.objects.update(handled_at=timezone.now())

    full_times, full_count = [], 0
    for _ in range(args.full_runs):
        start = time.perf_counter()
        full_count = len(tasks.render_snapshots(full=True))
        full_times.append(time.perf_counter() - start)

    incremental_times, incremental_count = [], 0
    for run in range(args.runs):
        lifecycle.post_update(incident, actor=system, status="identified", body=f"Update {run}.")
        for event in Event.objects.filter(handled_at__isnull=True):
            tasks.mark_dirty(event)
        Event.objects.update(handled_at=timezone.now())
        start = time.perf_counter()
        incremental_count = len(tasks.render_snapshots())
        incremental_times.append(time.perf_counter() - start)

    print(
        f"incidents={args.incidents} components={args.components} "
        f"languages={args.languages} load={os.getloadavg()[0]:.1f}"
    )
    for label, times, count in (
        ("full", full_times, full_count),
        ("incremental (one update)", incremental_times, incremental_count),
    ):
        print(
            f"{label:26s} median {statistics.median(times):8.2f} s  "
            f"min {min(times):8.2f}  max {max(times):8.2f}  runs {len(times)}  "
            f"snapshots rendered {count}"
        )


if __name__ == "__main__":
    main()
