"""Claiming outbox rows so several workers share them without double work.

PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then a lease. SQLite (one
writer at a time): a compare-and-set ``UPDATE ... WHERE claimed_until`` is
still free. A worker that dies leaves a lease that expires; its rows are then
claimed again, which is why every handler is idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone


def claimable(queryset: QuerySet, now: dt.datetime) -> QuerySet:
    return queryset.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def claim(
    queryset: QuerySet,
    *,
    worker: str,
    lease: dt.timedelta,
    batch: int,
    related: tuple[str, ...] = (),
) -> list:
    """Lease up to ``batch`` rows of ``queryset`` (ordered by id) to ``worker``, with the
    ``related`` foreign keys fetched in the same read."""
    now = timezone.now()
    until = now + lease
    model = queryset.model
    if connection.vendor == "sqlite" and not claimable(queryset, now).exists():
        # SQLite's claim transaction takes the one write lock at BEGIN (IMMEDIATE): an
        # idle worker polling its queues every turn would keep taking it from the
        # checker. A read first (WAL: no lock) leaves the lock alone when nothing waits.
        return []
    with transaction.atomic():
        candidates = claimable(queryset, now).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            ids = list(
                candidates.select_for_update(skip_locked=True).values_list("id", flat=True)[:batch]
            )
            if ids:
                model.objects.filter(id__in=ids).update(claimed_by=worker, claimed_until=until)
        else:
            ids = list(candidates.values_list("id", flat=True)[:batch])
            if ids:
                claimable(model.objects.filter(id__in=ids), now).update(
                    claimed_by=worker, claimed_until=until
                )
        if not ids:
            return []
        claimed = model.objects.filter(id__in=ids, claimed_by=worker, claimed_until=until)
        return list(claimed.select_related(*related).order_by("id"))
