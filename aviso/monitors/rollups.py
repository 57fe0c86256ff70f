"""Hourly roll-ups, computed incrementally, and the retention of raw results.

A cursor row says how far the roll-up has got. Each run rolls up the next
closed hours (an hour is closed ``GRACE`` after its end, since the checker
stores results in batches a few seconds late), each hour once, monitor range
by monitor range so memory stays bounded at any scale, and skips empty
stretches in one query. Re-running an hour replaces its rows, so a crash
mid-way is harmless. Raw results go once they are older than the retention
and their hour is rolled up.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from aviso.monitors.choices import CheckStatus
from aviso.monitors.models import Result, Rollup, RollupCursor

HOUR = dt.timedelta(hours=1)
GRACE = dt.timedelta(minutes=2)
MONITORS_PER_QUERY = 2000
CURSOR = "hourly"


def hour_floor(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def roll_up_hour(hour: dt.datetime) -> int:
    """(Re)compute every monitor's roll-up for the hour starting at ``hour``."""
    end = hour + HOUR
    span = Result.objects.filter(due_at__gte=hour, due_at__lt=end).aggregate(
        lo=Min("monitor_id"), hi=Max("monitor_id")
    )
    Rollup.objects.filter(hour=hour).delete()
    if span["lo"] is None:
        return 0
    written = 0
    for first in range(span["lo"], span["hi"] + 1, MONITORS_PER_QUERY):
        stats: dict[int, dict] = defaultdict(lambda: {"up": 0, "degraded": 0, "down": 0, "ms": []})
        rows = Result.objects.filter(
            monitor_id__gte=first,
            monitor_id__lt=first + MONITORS_PER_QUERY,
            due_at__gte=hour,
            due_at__lt=end,
        ).values_list("monitor_id", "status", "latency_ms")
        for monitor_id, status, latency in rows.order_by().iterator(chunk_size=10_000):
            entry = stats[monitor_id]
            entry[status] += 1
            if latency is not None and status != CheckStatus.DOWN:
                entry["ms"].append(latency)
        rollups = []
        for monitor_id, entry in stats.items():
            ms = entry["ms"]
            rollups.append(
                Rollup(
                    monitor_id=monitor_id,
                    hour=hour,
                    up=entry["up"],
                    degraded=entry["degraded"],
                    down=entry["down"],
                    latency_min=min(ms) if ms else None,
                    latency_avg=sum(ms) / len(ms) if ms else None,
                    latency_max=max(ms) if ms else None,
                    latency_p95=p95(ms) if ms else None,
                )
            )
        Rollup.objects.bulk_create(rollups, batch_size=1000)
        written += len(rollups)
    return written


def roll_up(now: dt.datetime | None = None, *, max_hours: int = 48) -> int:
    """Roll up the closed hours not yet done (at most ``max_hours`` per call).

    Returns how many hours were processed. Safe with several workers: the
    cursor row is locked for the duration of each hour's work.
    """
    now = now or timezone.now()
    closed_until = hour_floor(now - GRACE)  # hours starting before this are closed
    done = 0
    while done < max_hours:
        with transaction.atomic():
            cursor = _locked_cursor(now)
            if cursor.rolled_until >= closed_until:
                return done
            first = Result.objects.filter(due_at__gte=cursor.rolled_until).aggregate(
                first=Min("due_at")
            )["first"]
            if first is None or hour_floor(first) >= closed_until:
                # Nothing stored in the closed hours left: jump the cursor ahead.
                cursor.rolled_until = closed_until
                cursor.save(update_fields=["rolled_until"])
                return done
            hour = hour_floor(first)
            roll_up_hour(hour)
            cursor.rolled_until = hour + HOUR
            cursor.save(update_fields=["rolled_until"])
        done += 1
    return done


def _locked_cursor(now: dt.datetime) -> RollupCursor:
    cursors = RollupCursor.objects.filter(name=CURSOR)
    if connection.features.has_select_for_update:
        cursors = cursors.select_for_update()
    cursor = cursors.first()
    if cursor is not None:
        return cursor
    first = Result.objects.aggregate(first=Min("due_at"))["first"]
    start = hour_floor(first) if first else hour_floor(now)
    cursor, _ = RollupCursor.objects.get_or_create(name=CURSOR, defaults={"rolled_until": start})
    return cursor


def delete_old_results(now: dt.datetime | None = None, *, batch: int = 10_000) -> int:
    """Delete one batch of raw results past retention whose hour is rolled up."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MONITOR_RESULT_RETENTION_DAYS)
    rolled = RollupCursor.objects.filter(name=CURSOR).values_list("rolled_until", flat=True).first()
    if rolled is None:
        return 0
    cutoff = min(cutoff, rolled)
    ids = list(Result.objects.filter(due_at__lt=cutoff).values_list("id", flat=True)[:batch])
    if not ids:
        return 0
    return Result.objects.filter(id__in=ids).delete()[0]


_last_run: dict[str, float] = {}


def _throttled(name: str, every: float) -> bool:
    now = time.monotonic()
    if now - _last_run.get(name, -math.inf) < every:
        return False
    _last_run[name] = now
    return True


def rollup_job(worker: str) -> bool:
    """The worker's turn: roll up closed hours (checked at most once a minute)."""
    return _throttled("rollup", 60) and roll_up() > 0


def retention_job(worker: str) -> bool:
    """The worker's turn: delete expired raw results, a batch at a time."""
    if not _throttled("retention", 60):
        return False
    deleted = delete_old_results()
    if deleted:
        _last_run.pop("retention")  # more to delete: come back next turn
    return deleted > 0
