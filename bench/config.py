"""How long import, backup, restore and apply take on a sizeable page (SQLite).

    .venv/bin/python bench/config.py [--incidents 300] [--components 200] [--runs 3]

Each step is a whole ``aviso`` process (start-up included), timed from outside;
the median of ``--runs`` fresh runs is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATUSES = ["investigating", "identified", "monitoring", "resolved"]


def statuspage_export(incidents: int, directory: Path) -> None:
    components = [
        {"id": f"g{g}", "name": f"Group {g}", "group": True, "position": g, "status": "operational"}
        for g in range(4)
    ] + [
        {
            "id": f"c{n}",
            "name": f"Service {n}",
            "group": False,
            "group_id": f"g{n % 4}",
            "position": n,
            "status": "operational",
        }
        for n in range(20)
    ]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    items = []
    for n in range(incidents):
        at = start + dt.timedelta(hours=7 * n)
        comp = f"c{n % 20}"
        updates = []
        for k, status in enumerate(STATUSES):
            new = "operational" if status == "resolved" else "partial_outage"
            updates.append(
                {
                    "id": f"u{n}-{k}",
                    "status": status,
                    "body": f"Update {k} of incident {n}. " * 5,
                    "created_at": (at + dt.timedelta(minutes=15 * k)).isoformat(),
                    "display_at": (at + dt.timedelta(minutes=15 * k)).isoformat(),
                    "affected_components": [{"code": comp, "new_status": new}],
                }
            )
        items.append(
            {
                "id": f"i{n}",
                "name": f"Incident {n}",
                "status": "resolved",
                "impact": "minor",
                "created_at": at.isoformat(),
                "started_at": at.isoformat(),
                "incident_updates": updates[::-1],
            }
        )
    page = {"id": "p", "name": "Bench", "time_zone": "UTC"}
    (directory / "components.json").write_text(json.dumps({"page": page, "components": components}))
    (directory / "incidents.json").write_text(json.dumps({"page": page, "incidents": items}))


def config_file(components: int) -> str:
    lines = ["version: 1", "pages:", "  - slug: big", "    name: Big", "    groups:"]
    for g in range(components // 20):
        lines += [f"      - name: Group {g}", "        components:"]
        lines += [f"          - name: Service {g}-{n}" for n in range(20)]
    return "\n".join(lines) + "\n"


def timed(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aviso", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    figures: dict[str, list[float]] = {}
    for _ in range(options.runs):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "export").mkdir()
            statuspage_export(options.incidents, tmp / "export")
            (tmp / "big.yaml").write_text(config_file(options.components))
            base = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
            a = base | {
                "AVISO_DATA_DIR": str(tmp / "a"),
                "DJANGO_SETTINGS_MODULE": "aviso.settings",
            }
            b = a | {"AVISO_DATA_DIR": str(tmp / "b")}
            timed(a, "manage", "migrate", "-v0")
            steps = [
                ("start-up only (aviso manage check)", a, ["manage", "check"]),
                (
                    f"import {options.incidents} incidents x 4 updates",
                    a,
                    ["import", "statuspage", "--from", str(tmp / "export")],
                ),
                (
                    "re-import (no changes)",
                    a,
                    ["import", "statuspage", "--from", str(tmp / "export")],
                ),
                (f"apply {options.components} components", a, ["apply", str(tmp / "big.yaml")]),
                ("apply again (no changes)", a, ["apply", str(tmp / "big.yaml")]),
                ("export", a, ["export", "-o", str(tmp / "out.yaml")]),
                ("backup", a, ["backup", str(tmp / "b.gz")]),
                (
                    "restore into an empty SQLite (migrate included)",
                    b,
                    ["restore", str(tmp / "b.gz")],
                ),
            ]
            for label, env, args in steps:
                figures.setdefault(label, []).append(timed(env, *args))
    for label, values in figures.items():
        print(f"{label:55} median {statistics.median(values):6.2f} s  ({len(values)} runs)")


if __name__ == "__main__":
    main()
