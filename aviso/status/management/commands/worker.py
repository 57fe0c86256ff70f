"""``aviso worker``: the outbox worker (events, deliveries, renders, maintenance windows)."""

from __future__ import annotations

import os
import signal
import socket
import time

from django.core.management.base import BaseCommand

from aviso.status.worker import run_once


class Command(BaseCommand):
    help = "Process the outbox: notifications, snapshot renders, maintenance start/end."

    def add_arguments(self, parser):
        parser.add_argument("--poll", type=float, default=0.5, help="seconds to sleep when idle")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, poll: float, once: bool, **options):
        self.shutdown = False
        name = f"{socket.gethostname()}:{os.getpid()}"

        def stop(signum, frame):
            self.shutdown = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {name} started")
        while not self.shutdown:
            did_work = run_once(name)
            if once:
                break
            if not did_work:
                time.sleep(poll)
        self.stdout.write(f"worker {name} stopped")
