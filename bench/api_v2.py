"""How long /api/v2/*.json takes to build, on the demo and on a long history.

Run: AVISO_DATA_DIR=$(mktemp -d) .venv/bin/python bench/api_v2.py
Prints medians per endpoint (Django view through the test client, and the
bare builder) before and after adding 500 resolved incidents.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from aviso.api import statuspage  # noqa: E402
from aviso.demo.loader import load_demo  # noqa: E402
from aviso.status import lifecycle  # noqa: E402

ROUNDS = 30
DEMO = lifecycle.Actor.system("bench")


def median_ms(fn) -> float:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(page, label: str) -> None:
    client = Client()
    for name in ("summary", "incidents", "components", "status"):
        view = median_ms(lambda n=name: client.get(f"/api/v2/{n}.json"))
        bare = median_ms(lambda n=name: statuspage.render(n, page))
        size = len(statuspage.render(name, page))
        print(f"{label:>14} {name:>10}: view {view:6.2f} ms, builder {bare:6.2f} ms, {size} B")


def main() -> None:
    call_command("migrate", verbosity=0)
    page = load_demo()
    measure(page, "demo")
    component = page.components.first()
    for index in range(500):
        incident = lifecycle.create_incident(
            page, actor=DEMO, name=f"Bench {index}", components={component: "major_outage"}
        )
        lifecycle.post_update(incident, actor=DEMO, status="resolved")
    measure(page, "+500 incidents")


if __name__ == "__main__":
    main()
