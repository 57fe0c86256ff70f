"""Render / and /history uncached with 10,000 incidents and 50 components.

    python bench/render.py [--database-url URL] [--incidents 10000] [--components 50] [--runs 30]

Prints the median and p90 milliseconds per page and the queries per page. The
data is built in a throwaway database (a temporary SQLite file by default).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="aviso-bench-")
    os.environ["AVISO_DATA_DIR"] = data_dir
    os.environ["AVISO_DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "aviso.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    if args.database_url:
        # A fresh schema on the given server: bench in its own database.
        from django.test.utils import get_runner  # noqa: F401

        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0)
    build(args.incidents, args.components)

    client = Client()
    engine = connection.vendor
    print(
        f"engine={engine} incidents={args.incidents} components={args.components} runs={args.runs}"
    )
    for url in ("/", "/history", "/history?through=2026-07"):
        client.get(url)  # warm the template cache
        times, queries = [], 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(
            f"{url:28s} median {statistics.median(times):7.1f} ms  p90 {p90:7.1f} ms  "
            f"queries {queries}  bytes {len(response.content)}"
        )
    if args.database_url:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def build(incident_count: int, component_count: int) -> None:
    """Bulk rows shaped as the lifecycle writes them: 3 updates each, some postmortems."""
    from aviso.lib.ids import new_code
    from aviso.status import lifecycle
    from aviso.status.models import (
        Component,
        ComponentStatusChange,
        Incident,
        IncidentComponent,
        IncidentUpdate,
        Postmortem,
    )

    system = lifecycle.Actor.system("bench")
    page = lifecycle.create_page(actor=system, name="Bench", time_zone="America/Guayaquil")
    groups = [lifecycle.create_group(page, actor=system, name=f"Group {g}") for g in range(5)]
    components = Component.objects.bulk_create(
        Component(
            page=page,
            group=groups[i % 5],
            name=f"Component {i}",
            position=i,
            start_date=dt.date(2020, 1, 1),
        )
        for i in range(component_count)
    )
    now = dt.datetime.now(dt.UTC)
    # Spread incidents over three years up to now: about one every 2.6 hours.
    step = dt.timedelta(days=3 * 365) / incident_count
    first = now - dt.timedelta(days=3 * 365)
    incidents = Incident.objects.bulk_create(
        Incident(
            page=page,
            code=new_code(),
            name=f"Incident {i} – elevated errors",
            status="resolved",
            impact="minor",
            started_at=first + i * step,
            created_at=first + i * step,
            updated_at=first + i * step + dt.timedelta(hours=1),
            resolved_at=first + i * step + dt.timedelta(hours=1),
        )
        for i in range(incident_count)
    )
    updates, links, changes = [], [], []
    for i, incident in enumerate(incidents):
        component = components[i % len(components)]
        for minutes, status in ((0, "investigating"), (20, "identified"), (60, "resolved")):
            at = incident.started_at + dt.timedelta(minutes=minutes)
            updates.append(
                IncidentUpdate(
                    incident=incident,
                    code=new_code(),
                    status=status,
                    body="We are **looking** into [errors](https://example.com).",
                    display_at=at,
                    created_at=at,
                    updated_at=at,
                    actor_kind="system",
                )
            )
        links.append(
            IncidentComponent(incident=incident, component=component, status="partial_outage")
        )
        changes.append(
            ComponentStatusChange(
                component=component,
                old_status="operational",
                new_status="partial_outage",
                at=incident.started_at,
                incident=incident,
                actor_kind="system",
            )
        )
        changes.append(
            ComponentStatusChange(
                component=component,
                old_status="partial_outage",
                new_status="operational",
                at=incident.resolved_at,
                incident=incident,
                actor_kind="system",
            )
        )
    IncidentUpdate.objects.bulk_create(updates, batch_size=2000)
    IncidentComponent.objects.bulk_create(links, batch_size=2000)
    ComponentStatusChange.objects.bulk_create(changes, batch_size=2000)
    Postmortem.objects.bulk_create(
        (
            Postmortem(
                incident=incident,
                body="## Impact\n\nSome users saw errors.\n\n## Root Cause\n\nA bad deploy.",
                published_at=incident.resolved_at,
                created_at=incident.resolved_at,
                updated_at=incident.resolved_at,
            )
            for incident in incidents[::10]
        ),
        batch_size=2000,
    )


if __name__ == "__main__":
    main()
