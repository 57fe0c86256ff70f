"""Running the worker's units the way ``aviso worker`` does, one turn at a time."""

from __future__ import annotations

import datetime as dt

from aviso.notify.models import Subscriber
from aviso.notify.sending import send_due
from aviso.notify.subscriptions import add_confirmed
from aviso.status.worker import process_events


def drain(now: dt.datetime | None = None, turns: int = 20) -> int:
    """Handle events, then send until nothing is due (at ``now``). Returns the turns used."""
    for turn in range(turns):
        did = process_events("test-worker")
        did = send_due("test-worker", now) or did
        if not did:
            return turn
    raise AssertionError("the worker still had work after all turns")


def subscribers(page, count: int, kind: str = "email", language: str = "en") -> list[Subscriber]:
    return [
        add_confirmed(page, kind, f"person{i}@example.org", language=language) for i in range(count)
    ]

