"""From an API post to the new state on the public page: end to end (issue 14, item 4).

    PYTHONPATH=. python bench/change_to_public.py [--incidents 10000] [--components 50]
        [--changes 100] [--languages en] [--engine sqlite|postgres] [--gap 1.0]

Builds the history of bench/render.py (10,000 resolved incidents over three years,
50 components) in a throwaway database, renders the snapshots once, then starts
the real processes on that data dir: ``aviso web --workers 1`` and ``aviso
worker``. Each change is one ``POST /api/v1/pages/<page>/incidents/<code>/updates``
on an open incident, with a body no earlier change used; from just before the
request is sent, the script polls ``/api/v2/summary.json`` and ``/`` (fresh
connections, as a reader's browser would make) until each shows that body.
Prints p50/p99/max for each over every change, with the load average before and
after. A change waits ``--gap`` seconds after the previous one was seen, so each
is measured alone (the publish quiet period would otherwise fold them together).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Database, percentile  # noqa: E402

from aviso.tests.test_restart import free_port, status_of  # noqa: E402


def spread(values: list[float]) -> str:
    return (f"p50 {percentile(values, 0.5):.3f} s, p99 {percentile(values, 0.99):.3f} s, "
            f"min {min(values):.3f} s, max {max(values):.3f} s ({len(values)})")  # fmt: skip


def rss_mib(pid: int) -> dict[str, float]:
    """VmRSS of a process and its children (granian's worker under ``aviso web``)."""
    found = {}
    for each in [pid, *children(pid)]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
            name = Path(f"/proc/{each}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        found[f"{each} {Path(name[0].decode()).name} {' '.join(a.decode() for a in name[1:3])}"] = (
            round(kb / 1024, 1)
        )
    return found


def children(pid: int) -> list[int]:
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for child in direct for c in (child, *children(int(child)))]


def fetch(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Connection": "close", "Accept-Language": "en"})
        return connection.getresponse().read()
    finally:
        connection.close()


def prepare(args) -> tuple[str, str, str]:
    """The history, an open incident, an API token; returns (page slug, incident code, token)."""
    from django.core.management import call_command
    from django.utils import timezone
    from render import build

    from aviso.api.models import ApiToken
    from aviso.publish import tasks
    from aviso.status import lifecycle
    from aviso.status.management.commands.createadmin import ensure_admin
    from aviso.status.models import Event, Page

    started = time.perf_counter()
    build(args.incidents, args.components)
    system = lifecycle.Actor.system("bench")
    page = Page.default()
    lifecycle.update_page(page, actor=system, languages=args.languages.split(","))
    component = page.components.first()
    incident = lifecycle.create_incident(
        page, actor=system, name="Slow API", components={component: "degraded_performance"}
    )
    Event.objects.update(handled_at=timezone.now())
    print(f"history built in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    # As the worker's first turn would (and recorded as such, so it does not redo it).
    assert tasks.render_if_due(tasks.SNAPSHOTS, "bench")
    print(f"first full render in {time.perf_counter() - started:.1f} s", flush=True)
    user, _ = ensure_admin("bench", "bench@example.com", secrets.token_urlsafe(16))
    _, raw = ApiToken.issue(user, name="bench", scope="write")
    call_command("check", verbosity=0)
    return page.slug, incident.code, raw


def start(env: dict[str, str], *argv: str) -> subprocess.Popen:
    log = open(Path(env["AVISO_DATA_DIR"]) / f"{argv[0]}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "aviso", *argv], env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--languages", default="en")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--gap", type=float, default=1.0)
    args = parser.parse_args()

    database = Database(args.engine)
    from aviso.testing import shared_static_root

    slug, code, token = prepare(args)
    env = database.env()
    env["AVISO_STATIC_ROOT"] = shared_static_root(env)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    port = free_port()
    processes = [start(env, "web", "--port", str(port), "--workers", "1"), start(env, "worker")]
    try:
        deadline = time.monotonic() + 120
        while status_of(f"http://127.0.0.1:{port}/healthz") != 200:
            assert time.monotonic() < deadline, "aviso web did not start"
            time.sleep(0.1)
        time.sleep(3)  # the worker's start-up, so the first change does not wait for it
        load_before = os.getloadavg()
        to_json, to_page, api_times = [], [], []
        for change in range(args.changes):
            marker = f"Change {change} {secrets.token_hex(4)}"
            body = json.dumps({"status": ("identified", "monitoring")[change % 2], "body": marker})
            posted = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                "POST", f"/api/v1/pages/{slug}/incidents/{code}/updates", body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            response = connection.getresponse()
            assert response.status == 201, (response.status, response.read()[:300])
            response.read()
            connection.close()
            api_times.append(time.perf_counter() - posted)
            seen: dict[str, float] = {}
            wanted = marker.encode()
            deadline = time.monotonic() + 300  # a change held up is measured, not skipped
            while len(seen) < 2:
                assert time.monotonic() < deadline, f"{marker!r} not public after 300 s"
                for path, _ in (("/api/v2/summary.json", to_json), ("/", to_page)):
                    if path not in seen and wanted in fetch(port, path):
                        seen[path] = time.perf_counter() - posted
                time.sleep(0.01)
            to_json.append(seen["/api/v2/summary.json"])
            to_page.append(seen["/"])
            time.sleep(args.gap)
        load_after = os.getloadavg()
        memory = [rss_mib(process.pid) for process in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(120)  # a render under way is finished first
            except subprocess.TimeoutExpired:
                process.kill()
        database.drop()

    print(f"process logs in {env['AVISO_DATA_DIR']}")
    print(
        f"engine={args.engine} incidents={args.incidents} components={args.components} "
        f"languages={args.languages} changes={args.changes}; aviso web --workers 1 and "
        f"aviso worker on 127.0.0.1, plain HTTP"
    )
    print(f"  API post answered:        {spread(api_times)}")
    print(f"  /api/v2/summary.json:     {spread(to_json)}  (goal p99 < 2 s)")
    print(f"  / (the page):             {spread(to_page)}")
    print(f"  RSS after (web, worker):  {memory}")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
