"""The only way monitors change: create, change, pause, resume, delete, pings.

``trial_settings`` judges settings the same way without storing anything (the
console's "test now").

Each validates everything first (a ``LifecycleError`` with a message per field,
nothing stored), then writes the monitor and its audit entry in one
transaction. Views, the API and the CLI call these.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from aviso.lib.netguard import BlockedAddress, Policy, check_host
from aviso.lib.sealed import REDACTED, SealedError, fill_kept, seal_paths
from aviso.monitors.choices import MonitorKind, MonitorState, PingKind
from aviso.monitors.conf_base import _Conf
from aviso.monitors.configs import (
    ConfigError,
    parse_config,
    plain_config,
    secret_paths,
    shown_config,
)
from aviso.monitors.models import (
    MAX_DEPENDENCY_DEPTH,
    MIN_INTERVAL_SECONDS,
    Monitor,
    MonitorRegionSlot,
    encode_regions,
)
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.models import Component
from aviso.status.sealing import keyring

EDITABLE = (
    "name", "component", "kind", "config", "interval_seconds", "timeout_seconds",
    "confirmations_down", "confirmations_up", "regions", "paused", "depends_on",
)  # fmt: skip
MAX_TIMEOUT_SECONDS = 60
MAX_INTERVAL_SECONDS = 7 * 86400


def _kept_and_parsed(
    kind: str, config: object, stored: dict | None, errors: dict[str, str]
) -> _Conf | None:
    """The typed settings with ``[sealed]`` secrets filled from ``stored``; None
    (and ``errors`` filled) when they are refused."""
    if isinstance(config, dict):
        try:
            config, kept_errors = fill_kept(keyring(), config, stored, secret_paths(kind, config))
        except SealedError as error:
            kept_errors = {"config": f"{error}; enter the secret again instead of {REDACTED}"}
        if kept_errors:
            errors.update(
                {
                    path if path == "config" else f"config.{path}": message
                    for path, message in kept_errors.items()
                }
            )
            return None
    try:
        conf = parse_config(kind, config)
    except ConfigError as error:
        errors.update(error.errors)
        return None
    refused = _address_errors(conf)
    if refused:
        errors.update(refused)
        return None
    return conf


def trial_settings(kind: str, config: object, stored: dict | None = None) -> _Conf:
    """The typed, guard-checked settings a check would run with; nothing is stored.

    ``LifecycleError`` names each bad field, as ``create_monitor`` would.
    """
    errors: dict[str, str] = {}
    if kind not in MonitorKind.values:
        raise LifecycleError({"kind": f"Choose one of: {', '.join(MonitorKind.values)}."})
    conf = _kept_and_parsed(kind, config, stored, errors)
    if conf is None:
        raise LifecycleError(errors)
    return conf


def _seal_config(values: dict, stored: dict | None, errors: dict[str, str]) -> None:
    """Validate the plain settings, then store their credentials sealed.

    ``[sealed]`` in place of a secret keeps the stored one (what the console and
    the API show is sent back unchanged); an unchanged secret keeps its token.
    """
    kind = values["kind"]
    conf = _kept_and_parsed(kind, values.get("config") or {}, stored, errors)
    if conf is None:
        return
    plain = conf.model_dump(mode="json")
    values["config"] = seal_paths(keyring(), plain, secret_paths(kind, plain), stored)


def _audit(monitor: Monitor, before: dict | None = None) -> dict:
    """The audit picture of a monitor: its secrets say "[sealed]", never their value."""
    data = snapshot(monitor, list(EDITABLE))
    data["config"] = shown_config(monitor.kind, monitor.config, before)
    return data


def _dependency_problem(parent: Monitor | None, monitor_id: int | None) -> str:
    """Why ``parent`` cannot be what monitor ``monitor_id`` (None: a new one) depends on."""
    if parent is None:
        return ""
    if not isinstance(parent, Monitor) or parent.pk is None:
        return "Not a monitor."
    if monitor_id is not None and parent.pk == monitor_id:
        return "A monitor cannot depend on itself."
    chain, cursor = [parent.pk], parent.depends_on_id
    while cursor is not None:
        if cursor == monitor_id:
            return f"{parent.name} already depends on this monitor: that would be a loop."
        chain.append(cursor)
        if len(chain) >= MAX_DEPENDENCY_DEPTH:
            break
        cursor = Monitor.objects.filter(pk=cursor).values_list("depends_on_id", flat=True).first()
    if len(chain) >= MAX_DEPENDENCY_DEPTH:
        return f"Dependency chains are at most {MAX_DEPENDENCY_DEPTH} monitors long."
    return ""


def _validate(values: dict, stored: dict | None = None, monitor_id: int | None = None) -> dict:
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = "Give the monitor a name."
    elif len(name) > 200:
        errors["name"] = "At most 200 characters."
    values["name"] = name
    kind = values.get("kind")
    if kind not in MonitorKind.values:
        errors["kind"] = f"Choose one of: {', '.join(MonitorKind.values)}."
    else:
        _seal_config(values, stored, errors)
    interval = values.get("interval_seconds")
    if not isinstance(interval, int) or isinstance(interval, bool):
        errors["interval_seconds"] = "A whole number of seconds."
    elif not MIN_INTERVAL_SECONDS <= interval <= MAX_INTERVAL_SECONDS:
        errors["interval_seconds"] = f"Between {MIN_INTERVAL_SECONDS} s and 7 days."
    timeout = values.get("timeout_seconds")
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout:
        errors["timeout_seconds"] = "A positive number of seconds."
    elif timeout > MAX_TIMEOUT_SECONDS:
        errors["timeout_seconds"] = f"At most {MAX_TIMEOUT_SECONDS} s."
    elif "interval_seconds" not in errors and timeout > interval:
        errors["timeout_seconds"] = "Must not exceed the interval."
    for field in ("confirmations_down", "confirmations_up"):
        count = values.get(field)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 20:
            errors[field] = "A whole number from 1 to 20."
    regions = values.get("regions") or []
    if isinstance(regions, str):
        regions = [r for r in regions.replace(" ", ",").split(",") if r]
    bad = [
        r
        for r in regions
        if not str(r).replace("-", "").replace("_", "").isalnum() or len(str(r).strip()) > 32
    ]
    if bad or len(encode_regions(regions)) > 200:
        errors["regions"] = (
            "Region names: letters, digits, - and _ (at most 32 each), separated by commas."
        )
    else:
        values["regions"] = encode_regions(regions)
    component = values.get("component")
    if component is not None and not isinstance(component, Component):
        errors["component"] = "Not a component."
    problem = _dependency_problem(values.get("depends_on"), monitor_id)
    if problem:
        errors["depends_on"] = problem
    if errors:
        raise LifecycleError(errors)
    values["paused"] = bool(values.get("paused"))
    return values


def outbound_policy() -> Policy:
    """The address guard's policy for monitors, from the settings."""
    return Policy(block_private=settings.OUTBOUND_BLOCK_PRIVATE, allow=settings.OUTBOUND_ALLOW)


def _address_errors(conf) -> dict[str, str]:
    """Literal addresses the guard refuses (names are judged when the probe connects)."""
    errors: dict[str, str] = {}
    policy = outbound_policy()
    for field, host, _port in conf.endpoints():
        try:
            check_host(host, policy)
        except BlockedAddress as error:
            errors.setdefault(f"config.{field}", str(error))
    return errors


def _first_due(interval: int) -> dt.datetime:
    # Spread new monitors a little so a bulk import does not fire in one instant.
    return timezone.now() + dt.timedelta(seconds=random.uniform(0, min(interval, 10)))


def create_monitor(
    *,
    actor: Actor,
    name: str,
    kind: str,
    config: dict,
    component: Component | None = None,
    interval_seconds: int = 60,
    timeout_seconds: float = 10.0,
    confirmations_down: int = 2,
    confirmations_up: int = 1,
    regions: list[str] | str = (),
    paused: bool = False,
    state: MonitorState = MonitorState.UNKNOWN,
    depends_on: Monitor | None = None,
) -> Monitor:
    """A new monitor; ``state`` says what is known before its first check (a push
    monitor fed by alerts starts "up": its first alert then needs its confirmations)."""
    values = _validate(
        {
            "name": name,
            "kind": kind,
            "config": config,
            "component": component,
            "interval_seconds": interval_seconds,
            "timeout_seconds": timeout_seconds,
            "confirmations_down": confirmations_down,
            "confirmations_up": confirmations_up,
            "regions": list(regions) if not isinstance(regions, str) else regions,
            "paused": paused,
            "depends_on": depends_on,
        }  # fmt: skip
    )
    with transaction.atomic():
        monitor = Monitor.objects.create(
            **values, state=MonitorState(state), next_due_at=_first_due(interval_seconds)
        )
        _sync_region_slots(monitor)
        record(actor, "monitor.create", monitor, page=_page(monitor), before=None,
               after=_audit(monitor), event=None)  # fmt: skip
    return monitor


def update_monitor(monitor: Monitor, *, actor: Actor, **changes) -> Monitor:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise LifecycleError({field: "Cannot be changed." for field in sorted(unknown)})
    values = {field: getattr(monitor, field) for field in EDITABLE}
    values["regions"] = monitor.region_list
    try:
        values["config"] = plain_config(monitor.kind, monitor.config)
    except SealedError as error:
        # Sealed with a key no longer configured: only new settings can fix it.
        if "config" not in changes:
            raise LifecycleError({"config": f"{error}; enter the settings again"}) from None
    values.update(changes)
    values = _validate(values, stored=monitor.config, monitor_id=monitor.pk)
    with transaction.atomic():
        locked = Monitor.objects.select_for_update().get(pk=monitor.pk)
        before = _audit(locked)
        stored_before = locked.config
        reschedule = (
            values["kind"] != locked.kind
            or values["config"] != locked.config
            or values["interval_seconds"] != locked.interval_seconds
        )
        for field, value in values.items():
            setattr(locked, field, value)
        if reschedule:
            # A new target or kind: its old state and streak say nothing about it.
            locked.state, locked.streak_status, locked.streak = MonitorState.UNKNOWN, "", 0
            locked.probe_state = None
            locked.next_due_at = _first_due(locked.interval_seconds)
        locked.save()
        _sync_region_slots(locked, reschedule=reschedule)
        record(actor, "monitor.update", locked, page=_page(locked), before=before,
               after=_audit(locked, stored_before), event=None)  # fmt: skip
    return locked


def pause_monitor(monitor: Monitor, *, actor: Actor) -> Monitor:
    return update_monitor(monitor, actor=actor, paused=True)


def resume_monitor(monitor: Monitor, *, actor: Actor) -> Monitor:
    with transaction.atomic():
        monitor = update_monitor(monitor, actor=actor, paused=False)
        Monitor.objects.filter(pk=monitor.pk).update(next_due_at=timezone.now())
        MonitorRegionSlot.objects.filter(monitor=monitor).update(next_due_at=timezone.now())
    monitor.refresh_from_db()
    return monitor


def set_paused(monitors: list[Monitor], *, paused: bool, actor: Actor) -> int:
    """Pause or resume many monitors at once (the console's bulk action).

    Only ``paused`` changes, so a monitor whose settings the address policy now
    refuses can still be paused. One audit entry per monitor that changed, all
    in one transaction; resumed monitors are due at once. Returns how many changed.
    """
    action = "monitor.pause" if paused else "monitor.resume"
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        ids = [m.pk for m in monitors]
        for locked in Monitor.objects.select_for_update().filter(pk__in=ids, paused=not paused):
            before = _audit(locked)
            locked.paused = paused
            fields = ["paused", "updated_at"]
            if not paused:
                locked.next_due_at = now
                fields.append("next_due_at")
                MonitorRegionSlot.objects.filter(monitor=locked).update(next_due_at=now)
            locked.save(update_fields=fields)
            record(actor, action, locked, page=_page(locked), before=before,
                   after=_audit(locked), event=None)  # fmt: skip
            changed += 1
    return changed


def delete_monitor(monitor: Monitor, *, actor: Actor) -> None:
    with transaction.atomic():
        before = _audit(monitor)
        page = _page(monitor)
        record(actor, "monitor.delete", monitor, page=page, before=before, after=None, event=None)
        monitor.delete()


def record_ping(
    ping_key: str, kind: PingKind, at: dt.datetime | None = None, *, check_now: bool = False
) -> bool:
    """A heartbeat ping: one UPDATE, no audit entry (jobs ping often). False: unknown key.

    ``check_now`` makes the monitor due at once (an alert pushed in should not
    wait for the next interval to be judged).
    """
    at = at or timezone.now()
    fields: dict = {"last_ping_kind": kind}
    if check_now:
        fields["next_due_at"] = at
    if kind == PingKind.SUCCESS:
        fields["last_ping_at"] = at
    elif kind == PingKind.START:
        fields["last_start_at"] = at
    return bool(
        Monitor.objects.filter(ping_key=ping_key, kind=MonitorKind.HEARTBEAT).update(**fields)
    )


def _sync_region_slots(monitor: Monitor, *, reschedule: bool = False) -> None:
    """One schedule slot per listed region (none for a monitor without regions):
    each listed region checks the monitor once per interval. Called inside the
    lifecycle's transaction."""
    wanted = set(monitor.region_list)
    slots = MonitorRegionSlot.objects.filter(monitor=monitor)
    slots.exclude(region__in=wanted).delete()
    if reschedule:
        slots.update(next_due_at=_first_due(monitor.interval_seconds))
    have = set(slots.values_list("region", flat=True))
    MonitorRegionSlot.objects.bulk_create(
        [
            MonitorRegionSlot(
                monitor=monitor, region=region, next_due_at=_first_due(monitor.interval_seconds)
            )
            for region in sorted(wanted - have)
        ]
    )


def _page(monitor: Monitor):
    return monitor.component.page if monitor.component_id else None
