"""``aviso worker``: the outbox worker (events, deliveries, renders, maintenance windows)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from aviso.status.worker import run_once

log = logging.getLogger(__name__)

# While the database is unreachable the worker waits and tries again, up to this often.
MAX_BACKOFF = 10.0


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
        backoff = poll
        while not self.shutdown:
            try:
                did_work = run_once(name)
            except DatabaseError as exc:
                # A database that is down or restarting is waited out, not fatal:
                # the broken connection is dropped and the next turn connects again.
                log.warning("worker %s: database unavailable (%s); retrying", name, exc)
                connections.close_all()
                if once:
                    raise
                time.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = poll
            if once:
                break
            if not did_work:
                time.sleep(poll)
        self.stdout.write(f"worker {name} stopped")
