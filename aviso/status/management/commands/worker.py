"""``aviso worker``: the outbox worker (events, deliveries, renders, maintenance windows)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from aviso.status.worker import MAIN, lanes, run_once, wait_for_work, wake

log = logging.getLogger(__name__)

# While the database is unreachable the worker waits and tries again, up to this often.
MAX_BACKOFF = 10.0


class Command(BaseCommand):
    help = "Process the outbox: notifications, snapshot renders, maintenance start/end."

    def add_arguments(self, parser):
        parser.add_argument(
            "--poll", type=float, default=0.5, help="seconds a lane sleeps when idle"
        )
        # Events written by the web and API processes (another process: no nudge)
        # are seen within this; an idle turn is four small reads.
        parser.add_argument(
            "--events-poll", type=float, default=0.2, help="seconds the events lane sleeps"
        )
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, poll: float, events_poll: float, once: bool, **options):
        self.shutdown = threading.Event()
        name = f"{socket.gethostname()}:{os.getpid()}"

        def stop(signum, frame):
            self.shutdown.set()
            for lane in lanes():
                wake(lane)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {name} started")
        if once:
            run_once(name)
        else:
            # Each lane on its own thread (aviso.status.worker): a render or a long
            # batch of emails never holds up the fan-out of a new incident.
            threads = [
                threading.Thread(target=self.loop, args=(name, lane, poll), name=f"lane-{lane}")
                for lane in lanes()[1:]
            ]
            for thread in threads:
                thread.start()
            self.loop(name, MAIN, events_poll)
            for thread in threads:
                thread.join()
        self.stdout.write(f"worker {name} stopped")

    def loop(self, name: str, lane: str, poll: float) -> None:
        backoff = poll
        try:
            while not self.shutdown.is_set():
                try:
                    did_work = run_once(name, lane)
                except DatabaseError as exc:
                    # A database that is down or restarting is waited out, not fatal:
                    # the broken connection is dropped and the next turn connects again.
                    log.warning(
                        "worker %s (%s): database unavailable (%s); retrying", name, lane, exc
                    )
                    connections.close_all()
                    self.shutdown.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                backoff = poll
                _drop_broken_connections()
                if not did_work:
                    wait_for_work(lane, poll)
        finally:
            connections.close_all()  # this thread's own connections


def _drop_broken_connections() -> None:
    """Close this thread's connections that an error left unusable (a database restart).

    Jobs log their own failures, so a lane of jobs alone never sees the
    DatabaseError that would make the loop reconnect; Django reconnects on the
    next query once the broken connection is closed.
    """
    for connection in connections.all(initialized_only=True):
        if connection.errors_occurred:
            if not connection.is_usable():
                connection.close()
            connection.errors_occurred = False
