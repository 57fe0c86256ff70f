"""Monitors built in code for the tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aviso.monitors import lifecycle
from aviso.monitors.models import Monitor, MonitorRegionSlot
from aviso.testing import SYSTEM


def make_monitor(
    name: str = "API", kind: str = "tcp", config: dict | None = None, **fields
) -> Monitor:
    config = config or {"host": "127.0.0.1", "port": 9}
    due = fields.pop("next_due_at", None)
    monitor = lifecycle.create_monitor(actor=SYSTEM, name=name, kind=kind, config=config, **fields)
    Monitor.objects.filter(pk=monitor.pk).update(next_due_at=due or timezone.now())
    MonitorRegionSlot.objects.filter(monitor=monitor).update(next_due_at=due or timezone.now())
    monitor.refresh_from_db()
    return monitor


def bulk_http_monitors(
    count: int,
    url: str,
    *,
    interval: int = 30,
    timeout: float = 5,
    spread: float | None = None,
    start: dt.datetime | None = None,
) -> None:
    """``count`` HTTP monitors due spread over ``spread`` seconds (default: one interval)."""
    start = start or timezone.now()
    spread = interval if spread is None else spread
    Monitor.objects.bulk_create(
        [
            Monitor(
                name=f"http {i:06d}",
                kind="http",
                config={"url": url},
                interval_seconds=interval,
                timeout_seconds=timeout,
                next_due_at=start + dt.timedelta(seconds=spread * i / count),
            )
            for i in range(count)
        ],
        batch_size=1000,
    )  # fmt: skip
