"""``aviso checker [--region R]``: run the monitors that are due, until stopped."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand, CommandError

from aviso.detection.liveness import checker_heartbeats, checker_name
from aviso.lib.env import envint, envstr
from aviso.lib.netguard import use_lookup
from aviso.monitors.probes import load_probes
from aviso.monitors.resolver import from_environment
from aviso.monitors.runner import Checker, raise_open_file_limit


def _loop_factory(choice: str):
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise CommandError("uvloop is not installed: pip install 'aviso[fast]'") from None
        return None
    return uvloop.new_event_loop


class Command(BaseCommand):
    help = "Run due monitor checks; several checkers share the monitors on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument(
            "--region",
            default=None,
            help="also check the monitors listing this region (each region every interval)",
        )
        parser.add_argument("--name", default=None, help="this checker's name in leases")
        parser.add_argument(
            "--lease",
            type=float,
            default=15.0,
            help="lease seconds, renewed every third of it: a dead checker's monitors are "
            "taken over within one lease",
        )
        parser.add_argument("--horizon", type=float, default=5.0, help="claim this far ahead")
        parser.add_argument("--batch", type=int, default=2000, help="monitors per claim")
        parser.add_argument(
            "--max-in-flight",
            type=int,
            default=None,
            help="running checks, at most (default: from the open-file limit)",
        )
        parser.add_argument(
            "--slow-share",
            type=float,
            default=0.5,
            help="share of --max-in-flight that checks of slow or hanging targets may hold",
        )
        parser.add_argument("--stats", type=float, default=10.0, help="stats line every N s")
        parser.add_argument("--duration", type=float, default=0, help="stop after N s")
        parser.add_argument(
            "--loop",
            choices=["auto", "asyncio", "uvloop"],
            default="auto",
            help="event loop; auto: uvloop when installed (pip install aviso[fast])",
        )

    def handle(self, *args, **options):
        from django.db import connection

        if connection.vendor == "sqlite" and options["name"] is None:
            self.stdout.write("SQLite: run one checker only (leases are compare-and-set)")
        if options["lease"] < options["horizon"] + 1 or options["lease"] < 3:
            raise CommandError("--lease must be at least 3 and --horizon + 1 seconds")
        if not 0 < options["slow_share"] <= 1:
            raise CommandError("--slow-share must be more than 0 and at most 1")
        raise_open_file_limit()
        try:
            resolver = from_environment(
                envstr("AVISO_DNS_SERVERS", ""), envint("AVISO_DNS_CACHE_SECONDS", 30)
            )
        except ValueError as error:
            raise CommandError(f"AVISO_DNS_SERVERS: {error}") from None
        use_lookup(resolver)  # names are resolved through it, then checked by the guard
        name = options["name"] or f"{socket.gethostname()}:{os.getpid()}"
        checker = Checker(
            name,
            region=options["region"],
            lease=options["lease"],
            horizon=options["horizon"],
            claim_batch=options["batch"],
            max_in_flight=options["max_in_flight"],
            slow_share=options["slow_share"],
        )
        loop_factory = _loop_factory(options["loop"])
        runner = asyncio.Runner(loop_factory=loop_factory)
        self.stdout.write(f"event loop: {'uvloop' if loop_factory else 'asyncio'}")
        with runner:
            beat_name = checker_name(options["name"], options["region"])
            runner.run(self._main(checker, options["stats"], options["duration"], beat_name))

    async def _main(self, checker: Checker, every: float, duration: float, beat: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if duration:
            loop.call_later(duration, stop.set)
        await loop.run_in_executor(None, load_probes)  # before saying it is ready
        self.stdout.write(f"checker {checker.name} started", ending="\n")
        self.stdout.flush()
        reporter = asyncio.create_task(self._report(checker, stop, every))
        beats = asyncio.create_task(checker_heartbeats(checker, stop, beat))
        await checker.run(stop)
        reporter.cancel()
        await beats
        self.stdout.write(f"checker {checker.name} stopped: {checker.stored} results stored")
        self.stdout.flush()

    async def _report(self, checker: Checker, stop: asyncio.Event, every: float) -> None:
        started = time.monotonic()
        while not stop.is_set():
            await asyncio.sleep(every)
            self.stdout.write(
                f"checker {checker.name}: {checker.checks} checks, {checker.stored} stored, "
                f"{checker.in_flight} in flight ({len(checker.running)} running, "
                f"{checker.queued} waiting), {checker.lost} given up, slowest database call "
                f"{checker.slowest_db * 1000:.0f} ms, {time.monotonic() - started:.0f} s"
            )
            checker.slowest_db = 0.0
            self.stdout.flush()
