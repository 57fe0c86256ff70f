"""The checker's database units: claim due monitors, store results, let go.

Each is one short transaction, called from the checker's single database
thread (tests call them directly). Claims are row leases on the monitor:
PostgreSQL takes them with ``FOR UPDATE SKIP LOCKED`` so checkers never wait
on each other's rows; SQLite (one writer) with a compare-and-set UPDATE.
A result is stored only while its checker still holds the monitor's lease,
and ``(monitor, due_at, region)`` is unique, so no schedule slot is stored twice.

A monitor that lists regions is checked once per interval by each of them: its
schedule and leases live in one ``MonitorRegionSlot`` per region, claimed only
by checkers started with that ``--region``. Monitors without regions never
touch those rows (no extra query on their path).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from aviso.lib.sealed import SealedError
from aviso.monitors import detection
from aviso.monitors.choices import CheckStatus, MonitorState
from aviso.monitors.configs import ConfigError, open_config
from aviso.monitors.models import Monitor, MonitorRegionSlot
from aviso.monitors.probes import Outcome, Target
from aviso.monitors.state import advance

CLAIM_FIELDS = (
    "id", "kind", "config", "timeout_seconds", "interval_seconds", "next_due_at",
    "probe_state", "last_ping_at", "last_ping_kind", "last_start_at", "created_at",
    "last_latency_ms",
)  # fmt: skip

# A check that took at least this share of its timeout last time is run in the
# checker's slow lane: a target that hangs holds a slow-lane slot, never a healthy one.
SLOW_SHARE_OF_TIMEOUT = 0.5


@dataclass
class Job:
    target: Target
    due_at: dt.datetime
    interval: float
    slot: int | None = None  # the MonitorRegionSlot claimed (monitors listing regions)
    region: str = ""  # that slot's region
    held_until: dt.datetime | None = None  # the lease as this checker last set it
    slow: bool = False  # its last check took most of its timeout (see SLOW_SHARE_OF_TIMEOUT)
    started: bool = False  # the checker has started its probe


@dataclass
class Done:
    job: Job
    checked_at: dt.datetime
    outcome: Outcome
    next_due_at: dt.datetime


def _claimable(now: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def claim_due(
    worker: str,
    *,
    until: dt.datetime,
    lease: dt.timedelta,
    batch: int,
    region: str | None = None,
) -> tuple[list[Job], list[int]]:
    """Lease up to ``batch`` monitors due before ``until``, soonest first.

    A checker with a ``region`` also leases that region's slots of the monitors
    listing it. Returns the jobs and the ids of monitors whose stored config no
    longer parses (they are leased too, and stored as "down" by the caller).
    """
    now = timezone.now()
    lease_until = now + lease
    jobs: list[Job] = []
    broken: list[int] = []
    if region is not None:
        jobs, broken = _claim_slots(worker, region, now, until, lease_until, batch)
        batch -= len(jobs)
        if batch <= 0:
            return jobs, broken
    # Monitors listing regions are claimed per region (above), never by their row.
    due = Monitor.objects.filter(paused=False, next_due_at__lte=until, regions="")
    due = due.filter(_claimable(now)).order_by("next_due_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("id", flat=True)[:batch])
            taken = Monitor.objects.filter(id__in=ids)
        else:
            ids = list(due.values_list("id", flat=True)[:batch])
            taken = Monitor.objects.filter(id__in=ids).filter(_claimable(now))
        if not ids:
            return jobs, broken
        taken.update(claimed_by=worker, claimed_until=lease_until)
        rows = list(
            Monitor.objects.filter(
                id__in=ids, claimed_by=worker, claimed_until=lease_until
            ).values_list(*CLAIM_FIELDS)
        )
    for row in rows:
        jobs.append(_job(dict(zip(CLAIM_FIELDS, row, strict=True)), broken))
        jobs[-1].held_until = lease_until
    return jobs, broken


_SLOT_FIELDS = ("slot", "region", "slot_due", *(f"monitor__{f}" for f in CLAIM_FIELDS))


def _claim_slots(
    worker: str,
    region: str,
    now: dt.datetime,
    until: dt.datetime,
    lease_until: dt.datetime,
    batch: int,
) -> tuple[list[Job], list[int]]:
    """Lease this region's due slots, the same way as monitor rows."""
    due = MonitorRegionSlot.objects.filter(
        region=region, next_due_at__lte=until, monitor__paused=False
    )
    due = due.filter(_claimable(now)).order_by("next_due_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            locked = due.select_for_update(skip_locked=True, of=("self",))
            ids = list(locked.values_list("id", flat=True)[:batch])
            taken = MonitorRegionSlot.objects.filter(id__in=ids)
        else:
            ids = list(due.values_list("id", flat=True)[:batch])
            taken = MonitorRegionSlot.objects.filter(id__in=ids).filter(_claimable(now))
        if not ids:
            return [], []
        taken.update(claimed_by=worker, claimed_until=lease_until)
        rows = list(
            MonitorRegionSlot.objects.filter(
                id__in=ids, claimed_by=worker, claimed_until=lease_until
            ).values_list("id", "region", "next_due_at", *_SLOT_FIELDS[3:])
        )
    jobs: list[Job] = []
    broken: list[int] = []
    for row in rows:
        values = {
            field.removeprefix("monitor__"): value
            for field, value in zip(_SLOT_FIELDS, row, strict=True)
        }
        values["next_due_at"] = values["slot_due"]  # the region's own schedule
        jobs.append(_job(values, broken, slot=values["slot"], region=values["region"]))
        jobs[-1].held_until = lease_until
    return jobs, broken


def _job(values: dict, broken: list[int], slot: int | None = None, region: str = "") -> Job:
    try:
        config = open_config(values["kind"], values["config"])
    except (ConfigError, SealedError):
        broken.append(values["id"])
        config = None
    target = Target(
        id=values["id"],
        kind=values["kind"],
        config=config,
        timeout=values["timeout_seconds"],
        probe_state=values["probe_state"],
        last_ping_at=values["last_ping_at"],
        last_ping_kind=values["last_ping_kind"],
        last_start_at=values["last_start_at"],
        created_at=values["created_at"],
    )
    last = values["last_latency_ms"]
    slow = last is not None and last >= SLOW_SHARE_OF_TIMEOUT * values["timeout_seconds"] * 1000
    return Job(target, values["next_due_at"], values["interval_seconds"], slot, region, slow=slow)


# SQLite's default limit on bound parameters is 32,766 (999 before 3.32): ids go in chunks.
_CHUNK = 900


def renew(
    worker: str, monitor_ids: list[int], slot_ids: list[int], lease: dt.timedelta
) -> tuple[dt.datetime, set[int], set[int]]:
    """Extend this checker's leases on the monitors and region slots it still holds.

    A lease is renewed only while the row is still this checker's (nobody else has
    claimed it since, and no result has freed it); a lapsed lease nobody took is
    renewed too, since then nobody else can be running that slot. Returns the new
    lease end and the monitor and slot ids renewed; the caller stops working on
    the others, which another checker may now be running.
    """
    until = timezone.now() + lease
    kept: list[set[int]] = []
    with transaction.atomic():
        for model, ids in ((Monitor, monitor_ids), (MonitorRegionSlot, slot_ids)):
            held = model.objects.filter(claimed_by=worker, claimed_until__isnull=False)
            for start in range(0, len(ids), _CHUNK):
                held.filter(id__in=ids[start : start + _CHUNK]).update(claimed_until=until)
            renewed = model.objects.filter(claimed_by=worker, claimed_until=until)
            kept.append(set(renewed.values_list("id", flat=True)) if ids else set())
    return until, kept[0], kept[1]


_UPDATE = """
UPDATE monitors_monitor SET state = %s, state_since = %s, streak_status = %s, streak = %s,
  last_status = %s, last_latency_ms = %s, last_checked_at = %s, last_message = %s,
  next_due_at = %s, claimed_until = NULL{extra}
WHERE id = %s AND claimed_by = %s
"""


_INSERT = """
INSERT INTO monitors_result (monitor_id, due_at, checked_at, status, latency_ms, message,
  region, metrics) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""


def _json(value: object) -> object:
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return json.dumps(value)


def save_results(worker: str, done: list[Done], region: str = "") -> list[detection.Observation]:
    """Store a batch of finished checks and advance each monitor's state.

    Checks of monitors (or region slots) this worker no longer holds (its lease
    expired and another checker took it) are dropped: the other checker runs
    that slot. Returns the observations handed to the detection hooks.
    """
    if not done:
        return []
    slotted = [d for d in done if d.job.slot is not None]
    if not slotted:
        return _save_plain(worker, done, region)
    plain = [d for d in done if d.job.slot is None]
    with transaction.atomic():
        observations = _save_plain(worker, plain, region) if plain else []
        observations += _save_slotted(worker, slotted)
    return observations


def _save_plain(worker: str, done: list[Done], region: str) -> list[detection.Observation]:
    ids = [d.job.target.id for d in done]
    adapt = connection.ops.adapt_datetimefield_value
    observations = []
    with transaction.atomic():
        held = Monitor.objects.filter(id__in=ids, claimed_by=worker)
        if connection.features.has_select_for_update:
            held = held.select_for_update()
        current = {
            row[0]: row
            for row in held.values_list(
                "id",
                "state",
                "state_since",
                "streak_status",
                "streak",
                "confirmations_down",
                "confirmations_up",
                "component_id",
            )  # fmt: skip
        }
        results, plain, with_state = [], [], []
        for item in done:
            row = current.pop(item.job.target.id, None)
            if row is None:
                continue  # lost the lease, or a duplicate in this batch
            monitor_id, state, since, streak_status, streak, c_down, c_up, component_id = row
            outcome = item.outcome
            new_state, streak_status, streak = advance(
                state, streak_status, streak, outcome.status,
                confirmations_down=c_down, confirmations_up=c_up,
            )  # fmt: skip
            if new_state != state:
                since = item.checked_at
            message = outcome.message[:300]
            latency = None if outcome.latency_ms is None else round(outcome.latency_ms, 3)
            results.append(
                [
                    monitor_id,
                    adapt(item.job.due_at),
                    adapt(item.checked_at),
                    outcome.status.value,
                    latency,
                    message,
                    region[:32],
                    None if outcome.metrics is None else _json(outcome.metrics),
                ]  # fmt: skip
            )
            params = [
                new_state.value, adapt(since), streak_status, streak, outcome.status.value,
                latency, adapt(item.checked_at), message, adapt(item.next_due_at),
            ]  # fmt: skip
            if outcome.probe_state is not None:
                with_state.append([*params, _json(outcome.probe_state), monitor_id, worker])
            else:
                plain.append([*params, monitor_id, worker])
            observations.append(
                detection.Observation(
                    monitor_id=monitor_id,
                    component_id=component_id,
                    due_at=item.job.due_at,
                    checked_at=item.checked_at,
                    status=outcome.status,
                    latency_ms=latency,
                    message=message,
                    previous_state=MonitorState(state),
                    state=new_state,
                    streak=streak,
                )
            )
        with connection.cursor() as cursor:
            # Plain executemany: Django's bulk_create spent two thirds of this
            # function's CPU preparing values (profiled at 50,000 monitors).
            cursor.executemany(_INSERT, results)
            if plain:
                cursor.executemany(_UPDATE.format(extra=""), plain)
            if with_state:
                cursor.executemany(_UPDATE.format(extra=", probe_state = %s"), with_state)
    return observations


_REGION_UPDATE = """
UPDATE monitors_monitor SET state = %s, state_since = %s, streak_status = %s, streak = %s,
  last_status = %s, last_latency_ms = %s, last_checked_at = %s, last_message = %s{extra}
WHERE id = %s
"""

_SLOT_UPDATE = """
UPDATE monitors_monitorregionslot SET next_due_at = %s, claimed_until = NULL
WHERE id = %s AND claimed_by = %s
"""


def _save_slotted(worker: str, done: list[Done]) -> list[detection.Observation]:
    """Store checks of region slots: the result carries the slot's region, the slot
    gets its next due time, and the monitor row takes the check as its latest
    (its state is the regions' checks taken together in order; detection keeps
    and votes on each region's own confirmed state)."""
    adapt = connection.ops.adapt_datetimefield_value
    observations = []
    with transaction.atomic():
        # Monitor rows first, then slots: the lifecycle locks in that order too.
        monitors = Monitor.objects.filter(id__in={d.job.target.id for d in done})
        if connection.features.has_select_for_update:
            monitors = monitors.select_for_update()
        current = {
            row[0]: list(row)
            for row in monitors.values_list(
                "id",
                "state",
                "state_since",
                "streak_status",
                "streak",
                "confirmations_down",
                "confirmations_up",
                "component_id",
            )  # fmt: skip
        }
        held_slots = MonitorRegionSlot.objects.filter(
            id__in=[d.job.slot for d in done], claimed_by=worker
        )
        if connection.features.has_select_for_update:
            held_slots = held_slots.select_for_update()
        held = set(held_slots.values_list("id", flat=True))
        with connection.cursor() as cursor:
            for item in sorted(done, key=lambda d: d.checked_at):
                row = current.get(item.job.target.id)
                if item.job.slot not in held or row is None:
                    continue  # lost the lease, a duplicate, or the monitor is gone
                held.discard(item.job.slot)
                monitor_id, state, since, streak_status, streak, c_down, c_up, component_id = row
                outcome = item.outcome
                new_state, streak_status, streak = advance(
                    state, streak_status, streak, outcome.status,
                    confirmations_down=c_down, confirmations_up=c_up,
                )  # fmt: skip
                if new_state != state:
                    since = item.checked_at
                row[1:5] = [new_state.value, since, streak_status, streak]
                message = outcome.message[:300]
                latency = None if outcome.latency_ms is None else round(outcome.latency_ms, 3)
                cursor.execute(
                    _INSERT,
                    [
                        monitor_id, adapt(item.job.due_at), adapt(item.checked_at),
                        outcome.status.value, latency, message, item.job.region[:32],
                        None if outcome.metrics is None else _json(outcome.metrics),
                    ],
                )  # fmt: skip
                params = [
                    new_state.value, adapt(since), streak_status, streak, outcome.status.value,
                    latency, adapt(item.checked_at), message,
                ]  # fmt: skip
                if outcome.probe_state is not None:
                    cursor.execute(
                        _REGION_UPDATE.format(extra=", probe_state = %s"),
                        [*params, _json(outcome.probe_state), monitor_id],
                    )
                else:
                    cursor.execute(_REGION_UPDATE.format(extra=""), [*params, monitor_id])
                cursor.execute(_SLOT_UPDATE, [adapt(item.next_due_at), item.job.slot, worker])
                observations.append(
                    detection.Observation(
                        monitor_id=monitor_id,
                        component_id=component_id,
                        due_at=item.job.due_at,
                        checked_at=item.checked_at,
                        status=outcome.status,
                        latency_ms=latency,
                        message=message,
                        previous_state=MonitorState(state),
                        state=new_state,
                        streak=streak,
                        region=item.job.region,
                    )
                )
    return observations


def release(worker: str, ids: list[int]) -> int:
    """Give back leases on monitors not checked (a checker stopping cleanly)."""
    if not ids:
        return 0
    slots = MonitorRegionSlot.objects.filter(monitor_id__in=ids, claimed_by=worker)
    return Monitor.objects.filter(id__in=ids, claimed_by=worker).update(
        claimed_until=None
    ) + slots.update(claimed_until=None)


def broken_outcome() -> Outcome:
    return Outcome(
        CheckStatus.DOWN, None, "the stored configuration is not valid; edit the monitor"
    )
