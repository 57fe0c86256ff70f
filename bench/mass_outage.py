"""Every target fails at once: how fast each component goes out, and how fast people hear.

    python bench/mass_outage.py [--n 2000] [--components 50] [--mode refuse|hang]
        [--interval 30] [--timeout 5] [--subscribers 2] [--engine sqlite|postgres]

N HTTP monitors (2 confirmations) spread over M components, all against one local
target on 127.0.0.1 (plain HTTP, by address) that answers until it is switched to
(a) refuse connections (``refuse``: the listener is closed) or (b) accept and never
answer (``hang``). The checker and the worker are the real processes (``aviso
checker``, ``aviso worker``), as ``aviso up`` runs them. Operator alerts go to a local receiver
speaking Slack's incoming-webhook protocol; subscribers are email (a local SMTP
sink) and one webhook (a local receiver). After a round with everything up, the
target is switched; once every component is out it is switched back.

Reported from the switch: the first and last component out of operational, the
incidents opened (one per component per outage, never one per monitor), and for
every delivery (operator alert, subscriber email, subscriber webhook) its delay
after its incident opened (p50/p99/max, from the delivery rows' ``sent_at``);
then the same after the recovery. ``/healthz`` is polled through Django's test
client all along. Goals (issue 14): every component out within
timeout + 2 x interval + 5 s; every delivery within 2 s of its incident.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return (f"p50 {percentile(values, 0.5):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
            f"max {max(values):.2f} s ({len(values)})")  # fmt: skip


class Processes:
    """``aviso checker`` and ``aviso worker`` on the bench's database, as ``aviso up`` runs them."""

    def __init__(self, env: dict[str, str]):
        import subprocess

        from common import ROOT, start_checker

        self.checker = start_checker("bench", env)
        self.worker = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "aviso", "worker", "--skip-checks"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.memory: dict[str, float] = {}

    def rss(self) -> dict[str, float]:
        """VmRSS of each (MiB), read while they run."""
        found = {}
        for name, process in (("checker", self.checker), ("worker", self.worker)):
            status = Path(f"/proc/{process.pid}/status").read_text()
            lines = status.splitlines()
            kb = next(int(line.split()[1]) for line in lines if line.startswith("VmHWM"))
            found[name] = round(kb / 1024, 1)
        return found

    def close(self):
        import signal

        self.memory = self.rss()
        for process in (self.checker, self.worker):
            process.send_signal(signal.SIGTERM)
        self.worker.wait(60)
        from common import checker_output

        # What the checker said: its stats lines, and whether leases lapsed (checks
        # given up because a lease was about to run out), which a run's figures hide.
        lines = checker_output(self.checker, timeout=60).splitlines()
        lapsing = [line for line in lines if "lapsing" in line]
        print(f"checker: {len(lapsing)} lapsing-lease warnings; last lines of its output:")
        for line in lines[-6:]:
            print(f"  {line[:200]}")


def wait_until(condition, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--mode", choices=["refuse", "hang"], default="refuse")
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--subscribers", type=int, default=2)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    from aviso.notify.testing import HttpReceiver, SmtpSink

    sink = SmtpSink().up()
    receiver = HttpReceiver().start()
    os.environ["AVISO_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
    os.environ["AVISO_OUTBOUND_ALLOW"] = "127.0.0.1/32"  # the receivers are on the loopback
    from common import Database

    database = Database(args.engine)
    from django.test import Client
    from django.utils import timezone

    from aviso.monitors.models import Monitor
    from aviso.monitors.tests.targets import HttpTarget
    from aviso.notify.channels import save_channel
    from aviso.notify.models import Delivery
    from aviso.notify.subscriptions import add_confirmed
    from aviso.notify.tests.helpers import confirmed_webhook
    from aviso.status.models import ComponentStatusChange, Incident
    from aviso.status.worker import process_events
    from aviso.testing import SYSTEM, make_component, make_page

    page = make_page("Mass outage")
    components = [make_component(page, f"Service {i:03d}") for i in range(args.components)]
    save_channel(None, actor=SYSTEM, name="ops", kind="slack",
                 config={"url": receiver.url("slack/T1/B1/x")})  # fmt: skip
    for i in range(args.subscribers):
        add_confirmed(page, "email", f"person{i}@example.org", language="en", actor=SYSTEM)
    confirmed_webhook(page, receiver.url("subscriber"))
    while process_events("setup"):
        pass
    target = HttpTarget()
    start = timezone.now() + dt.timedelta(seconds=2)
    Monitor.objects.bulk_create(
        [Monitor(name=f"m{i:06d}", kind="http", config={"url": target.url + "/"},
                 component=components[i % len(components)], interval_seconds=args.interval,
                 timeout_seconds=args.timeout, confirmations_down=2,
                 next_due_at=start + dt.timedelta(seconds=args.interval * i / args.n))
         for i in range(args.n)],
        batch_size=1000,
    )  # fmt: skip
    load_before = os.getloadavg()
    threads = Processes(database.env())
    client, health = Client(), []
    healthy = threading.Event()

    def poll_health():
        while not healthy.is_set():
            try:
                health.append(client.get("/healthz").status_code)
            except Exception:
                health.append(0)
            time.sleep(1)

    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    try:
        time.sleep(2 + args.interval + 1)  # one round with everything up
        phases = {}
        for phase, mode in (("outage", args.mode), ("recovery", "ok")):
            switched = timezone.now()
            if mode == "refuse":
                target.loops.run(target.site.stop())
            elif mode == "hang":
                target.mode, target.slow_seconds = "slow", 3600
            else:
                if args.mode == "refuse":
                    from aiohttp import web

                    target.site = web.TCPSite(target.runner, "127.0.0.1", target.port)
                    target.loops.run(target.site.start())  # listening again, on the same port
                target.mode = "ok"
            out = (lambda: not any(c.status == "operational" for c in _fresh(components))) \
                if phase == "outage" else \
                (lambda: all(c.status == "operational" for c in _fresh(components)))  # noqa: E731
            bound = args.timeout + 2 * args.interval + 5
            done = wait_until(out, bound * 3)
            time.sleep(3)  # let the last deliveries go
            phases[phase] = (switched, done)
        print(f"peak RSS (VmHWM) of checker and worker: {threads.rss()} MiB")
        print_report(args, phases, components, load_before, health,
                     ComponentStatusChange, Incident, Delivery, sink, receiver)  # fmt: skip
    finally:
        healthy.set()
        threads.close()
        target.stop()
        receiver.stop()
        sink.down()
        database.drop() if hasattr(database, "drop") else None


def _fresh(components):
    from aviso.status.models import Component

    return list(Component.objects.filter(pk__in=[c.pk for c in components]))


def print_report(args, phases, components, load_before, health, ComponentStatusChange,
                 Incident, Delivery, sink, receiver) -> None:  # fmt: skip
    print(f"n={args.n} components={args.components} mode={args.mode} interval={args.interval}s "
          f"timeout={args.timeout}s engine={args.engine}; targets: one local HTTP server on "
          f"127.0.0.1 by address, plain HTTP")  # fmt: skip
    ids = [c.pk for c in components]
    for phase, (switched, done) in phases.items():
        if phase == "outage":
            changes = ComponentStatusChange.objects.filter(
                component_id__in=ids, at__gte=switched, old_status="operational"
            )
        else:
            changes = ComponentStatusChange.objects.filter(
                component_id__in=ids, at__gte=switched, new_status="operational"
            )
        firsts: dict[int, dt.datetime] = {}
        for component_id, at in changes.order_by("at").values_list("component_id", "at"):
            firsts.setdefault(component_id, at)
        delays = sorted((at - switched).total_seconds() for at in firsts.values())
        bound = args.timeout + 2 * args.interval + 5
        print(f"{phase}: {len(firsts)}/{len(ids)} components moved"
              + (f", first {delays[0]:.1f} s, last {delays[-1]:.1f} s after the switch "
                 f"(goal: last within {bound:g} s)" if delays else "")
              + ("" if done else " -- NOT ALL"))  # fmt: skip
        if phase == "outage":
            opened = Incident.objects.filter(created_at__gte=switched)
            print(f"  incidents opened: {opened.count()} (one per component expected)")
            window = opened
        else:
            window = Incident.objects.filter(resolved_at__gte=switched)
        # The notice of the incident opening (or its resolution): its delay after the
        # lifecycle call that opened (resolved) the incident.
        opening = "incident.created" if phase == "outage" else "incident.resolved"
        by_kind: dict[str, list[float]] = {}
        for incident in window:
            anchor = incident.created_at if phase == "outage" else incident.resolved_at
            rows = Delivery.objects.filter(
                notice__event__incident=incident, notice__event__kind=opening,
                sent_at__isnull=False,
            )  # fmt: skip
            for kind, sent_at in rows.values_list("transport", "sent_at"):
                by_kind.setdefault(kind, []).append((sent_at - anchor).total_seconds())
        for kind, values in sorted(by_kind.items()):
            print(f"  {kind:10s} {opening} delivered {spread(values)} after it")
        print_stages(window, opening, phase)
        every = Delivery.objects.filter(notice__event__at__gte=switched,
                                        notice__event__incident__in=window)  # fmt: skip
        kinds: dict[str, int] = {}
        for kind in every.values_list("notice__event__kind", flat=True):
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"  deliveries by event since the switch: {dict(sorted(kinds.items()))}")
    print(f"healthz answers: {sorted(set(health))} over {len(health)} polls; "
          f"smtp sink took {len(sink)} messages, receiver {len(receiver.requests)} requests")
    after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {after[0]:.2f}")


def print_stages(window, opening: str, phase: str) -> None:
    """Where a notice's delay goes: incident -> event row visible (committed) ->
    fan-out done (delivery rows written) -> sent. Each from the incident's time."""
    from aviso.notify.models import Delivery
    from aviso.status.models import HandlerRun

    committed, fanned, sent = [], [], []
    for incident in window:
        anchor = incident.created_at if phase == "outage" else incident.resolved_at
        run = HandlerRun.objects.filter(
            event__incident=incident, event__kind=opening, handler="notify.fanout"
        ).values_list("done_at", flat=True).first()
        rows = Delivery.objects.filter(notice__event__incident=incident,
                                       notice__event__kind=opening)  # fmt: skip
        created = rows.values_list("created_at", flat=True).order_by("created_at").first()
        last = rows.exclude(sent_at=None).values_list("sent_at", flat=True).order_by("-sent_at")
        if created:
            committed.append((created - anchor).total_seconds())
        if run:
            fanned.append((run - anchor).total_seconds())
        if last.first():
            sent.append((last.first() - anchor).total_seconds())
    print(f"  stages after the incident: fan-out began {spread(committed)}; "
          f"fan-out done {spread(fanned)}; last sent {spread(sent)}")


if __name__ == "__main__":
    main()
