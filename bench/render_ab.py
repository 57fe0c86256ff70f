"""Interleaved A/B: the render after one change, before and after issue 14's changes.

    python bench/render_ab.py [--incidents 10000] [--components 50] [--pairs 5]

The data of bench/render.py (incidents over three years, 50 components) in a
throwaway SQLite database; one open incident. Each pair posts one update on it
(through the lifecycle, its events handed to the publish handler), then renders
the change both ways, A and B alternating which goes first:

- A, as before: every live history window and every component badge besides the
  fixed handful, each notice rendered through the template (no remembered notices);
- B, as now: ``tasks.render_snapshots()``: the window of the incident's month, the
  badges of the components it moved, notices remembered while unchanged.

Every body A rendered is compared byte for byte with what B's store holds for
that key afterwards. Prints medians with min-max, the snapshots each rendered,
the mismatches (must be 0) and the load average before and after.
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
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()

    os.environ["AVISO_DATA_DIR"] = tempfile.mkdtemp(prefix="aviso-bench-")
    os.environ["AVISO_DATABASE_URL"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "aviso.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from render import build

    from aviso.publish import tasks
    from aviso.publish.render import live_history_windows, public_paths, render_paths
    from aviso.publish.store import SnapshotStore
    from aviso.publish.touched import EVERY_CHANGE_PATHS
    from aviso.status import fragments, lifecycle
    from aviso.status.models import Event, Page

    build(args.incidents, args.components)
    system = lifecycle.Actor.system("bench")
    page = Page.default()
    component = page.components.first()
    incident = lifecycle.create_incident(
        page, actor=system, name="Slow API", components={component: "degraded_performance"}
    )
    Event.objects.update(handled_at=timezone.now())
    tasks.render_snapshots(full=True)
    load_before = os.getloadavg()

    def render_a() -> tuple[float, dict[str, bytes]]:
        paths = public_paths(page, windows=live_history_windows())
        old = set(EVERY_CHANGE_PATHS) | {"/history", f"/incidents/{incident.code}"}
        old |= {p for p in paths if p.startswith(("/history?through=", "/components/"))}
        fragments.clear()
        started = time.perf_counter()
        snaps = render_paths(page, [p for p in paths if p in old])
        return time.perf_counter() - started, {s.path: s.body for s in snaps}

    def render_b() -> tuple[float, list[str]]:
        started = time.perf_counter()
        keys = tasks.render_snapshots()
        return time.perf_counter() - started, keys

    a_times, b_times, mismatches, a_count, b_count = [], [], 0, 0, 0
    store = SnapshotStore()
    for pair in range(args.pairs):
        lifecycle.post_update(incident, actor=system, status="identified", body=f"Update {pair}.")
        for event in Event.objects.filter(handled_at__isnull=True):
            tasks.mark_dirty(event)
        Event.objects.update(handled_at=timezone.now())
        if pair % 2 == 0:
            a_time, a_bodies = render_a()
            b_time, b_keys = render_b()
        else:
            b_time, b_keys = render_b()
            a_time, a_bodies = render_a()
        a_times.append(a_time)
        b_times.append(b_time)
        a_count, b_count = len(a_bodies), len(b_keys)
        manifest = store.read_manifest()
        for key, body in a_bodies.items():
            if store.load(key, manifest.entries[key]).body != body:
                mismatches += 1
    load_after = os.getloadavg()
    print(f"incidents={args.incidents} components={args.components} pairs={args.pairs} "
          "SQLite, one language, one process (no load generator: no taskset)")  # fmt: skip
    for label, times, count in (("A (before)", a_times, a_count), ("B (now)", b_times, b_count)):
        print(f"{label:11s} median {statistics.median(times):7.3f} s  min {min(times):7.3f}  "
              f"max {max(times):7.3f}  snapshots {count}")  # fmt: skip
    print(f"bodies compared byte for byte: {a_count * args.pairs}, mismatches {mismatches}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
