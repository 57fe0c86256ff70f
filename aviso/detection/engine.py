"""From confirmed monitor states to incidents: one incident per outage per component.

``on_observations`` is registered on the checker's detection seam. For each
result it advances the monitor's ``Watch`` (region quorum, then flap damping),
then ``evaluate_component`` compares the component's monitors with its open
``Outage`` and, through the status lifecycle as automation, opens an incident,
adds to it, posts "monitoring" on recovery and resolves it after a stable
period. A person's explicit component status wins (the lifecycle skips
automation for links a person set).

What it posts in public comes from the page's automation texts, naming only
the component; the checks' own messages (addresses, ports, errors) go with each
step as the operators' ``detail`` and stay in the evidence for the timeline.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aviso.detection import dependencies, starting
from aviso.detection.models import Evidence, Outage, RegionState, Watch
from aviso.monitors.choices import CheckStatus, MonitorState
from aviso.monitors.detection import Observation
from aviso.monitors.models import Monitor
from aviso.monitors.state import advance
from aviso.status import lifecycle
from aviso.status.automation import automation_text
from aviso.status.choices import ComponentStatus, IncidentStatus, MaintenanceStatus
from aviso.status.models import Component, Incident, Maintenance
from aviso.status.timeline import EntryKind, TimelineEntry

log = logging.getLogger(__name__)

ACTOR = lifecycle.Actor.automation("detection")
FAILING = (MonitorState.DOWN, MonitorState.DEGRADED)
_SEVERITY = {
    MonitorState.UNKNOWN: 0,
    MonitorState.UP: 0,
    MonitorState.DEGRADED: 1,
    MonitorState.DOWN: 2,
}
_COMPONENT_ORDER = [
    ComponentStatus.OPERATIONAL,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]
SYMPTOMS = {
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "partial outage",
    ComponentStatus.MAJOR_OUTAGE: "outage",
}


def _public(component: Component, key: str, status: str = "") -> str:
    return automation_text(component.page, key, component.name, status)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def resolve_after() -> dt.timedelta:
    """How long every monitor must stay up before "monitoring" becomes "resolved"."""
    return dt.timedelta(seconds=_setting("DETECTION_RESOLVE_AFTER_SECONDS", 300))


def flap_changes() -> int:
    return int(_setting("DETECTION_FLAP_CHANGES", 3))


def flap_window_checks() -> int:
    return int(_setting("DETECTION_FLAP_WINDOW_CHECKS", 10))


# --- monitors: region quorum and flap damping -------------------------------------


def quorum(monitor: Monitor, now: dt.datetime) -> tuple[MonitorState | None, list[str]]:
    """The state a majority of the monitor's regions agree on, with those regions.

    A region whose last result is older than three intervals counts as not
    reporting (never as down). None when no state has a majority.
    """
    regions = monitor.region_list
    fresh_after = now - dt.timedelta(seconds=3 * monitor.interval_seconds)
    states = {
        rs.region: rs.state
        for rs in RegionState.objects.filter(monitor=monitor, checked_at__gte=fresh_after)
        if rs.region in regions
    }
    majority = len(regions) // 2 + 1
    down = sorted(r for r, s in states.items() if s == MonitorState.DOWN)
    bad = sorted(r for r, s in states.items() if s in FAILING)
    up = sorted(r for r, s in states.items() if s == MonitorState.UP)
    if len(down) >= majority:
        return MonitorState.DOWN, down
    if len(bad) >= majority:
        return MonitorState.DEGRADED, bad
    if len(up) >= majority:
        return MonitorState.UP, up
    return None, []


def _region_confirmed(
    monitor: Monitor, obs: Observation
) -> tuple[MonitorState | None, list[str], int]:
    rs, _ = RegionState.objects.get_or_create(
        monitor=monitor,
        region=obs.region,
        defaults={"state": MonitorState.UNKNOWN, "checked_at": obs.checked_at},
    )
    state, streak_status, streak = advance(
        rs.state, rs.streak_status, rs.streak, CheckStatus(obs.status),
        confirmations_down=monitor.confirmations_down,
        confirmations_up=monitor.confirmations_up,
    )  # fmt: skip
    rs.state, rs.streak_status, rs.streak = state, streak_status, streak
    rs.checked_at, rs.message = obs.checked_at, obs.message[:300]
    rs.save()
    confirmed, agreeing = quorum(monitor, obs.checked_at)
    return confirmed, agreeing, streak


def advance_watch(watch: Watch, monitor: Monitor, obs: Observation) -> None:
    """One more result for the monitor: quorum first, then flap damping."""
    region = getattr(obs, "region", "") or ""
    if monitor.region_list and region:
        confirmed, agreeing, streak = _region_confirmed(monitor, obs)
        if confirmed is None:
            confirmed = MonitorState(watch.confirmed)
    else:
        confirmed, agreeing, streak = (
            MonitorState(obs.state),
            [region] if region else [],
            obs.streak,
        )
    now = obs.checked_at
    if obs.status != CheckStatus.UP and not watch.failing_since:
        watch.failing_since, watch.failing_status = obs.checked_at, obs.status
        watch.failing_message, watch.failing_region = obs.message[:300], region
    if confirmed != watch.confirmed:
        if watch.confirmed != MonitorState.UNKNOWN:
            watch.changes = [*watch.changes, now.isoformat()]
        watch.confirmed, watch.confirmed_at = confirmed, now
        watch.confirmations, watch.regions = streak, agreeing
    window = dt.timedelta(seconds=flap_window_checks() * monitor.interval_seconds)
    watch.changes = [c for c in watch.changes if dt.datetime.fromisoformat(c) > now - window]
    if len(watch.changes) >= flap_changes():
        watch.flapping = True
    elif not watch.changes:
        watch.flapping = False
    if watch.flapping:
        # Damped: while it flaps the state only gets worse, so the incident stays
        # open instead of going to monitoring and back on every flip.
        if _SEVERITY[confirmed] > _SEVERITY[MonitorState(watch.state)]:
            watch.state = confirmed
    else:
        watch.state = confirmed
    if watch.state == MonitorState.UP and obs.status == CheckStatus.UP:
        watch.failing_since, watch.failing_status = None, ""
        watch.failing_message, watch.failing_region = "", ""


def _quiet(observations: list[Observation]) -> set[int]:
    """Monitors up and steady on both sides of this check, with a watch that says so:
    nothing to decide (the common case, so it costs one query per batch)."""
    steady = {
        o.monitor_id
        for o in observations
        if not o.region
        and o.status == CheckStatus.UP
        and o.state == MonitorState.UP
        and o.previous_state == MonitorState.UP
    }
    if not steady:
        return set()
    return set(
        Watch.objects.filter(
            monitor_id__in=steady,
            state=MonitorState.UP,
            confirmed=MonitorState.UP,
            flapping=False,
            failing_since__isnull=True,
        ).values_list("monitor_id", flat=True)
    )


def on_observations(observations: list[Observation]) -> None:
    """The checker's hook: advance every watch, then re-evaluate the components involved."""
    quiet = _quiet(observations)
    busy = [o for o in observations if o.monitor_id not in quiet]
    ids = {o.monitor_id for o in busy}
    monitors = {
        m.id: m
        for m in Monitor.objects.filter(id__in=ids).only(
            "id",
            "name",
            "component_id",
            "regions",
            "interval_seconds",
            "confirmations_down",
            "confirmations_up",
            "depends_on_id",
        )  # fmt: skip
    }
    watches = {w.monitor_id: w for w in Watch.objects.filter(monitor_id__in=ids)}
    changed: set[int] = set()  # monitors whose watch changed state in this batch
    steady: set[int] = set()  # monitors failing before and after this batch
    created: dict[int, Watch] = {}
    for obs in busy:
        monitor = monitors.get(obs.monitor_id)
        if monitor is None:
            continue
        watch = watches.setdefault(monitor.id, Watch(monitor=monitor))
        before = (watch.state, watch.confirmed, watch.flapping, watch.failing_since)
        advance_watch(watch, monitor, obs)
        after = (watch.state, watch.confirmed, watch.flapping, watch.failing_since)
        if watch.pk is None:
            created[monitor.id] = watch  # bulk-created below (a new checker's first batch)
        elif before != after or watch.changes:
            watch.save()
        if before[0] != watch.state:
            changed.add(monitor.id)
        elif watch.state in FAILING:
            steady.add(monitor.id)
    Watch.objects.bulk_create(created.values(), batch_size=500)
    news = changed | (steady - _in_open_outages(steady))
    components = {monitors[m].component_id for m in news if monitors[m].component_id is not None}
    # A dependent's failure may fold into an ancestor's outage: evaluate those too.
    dependents = {m for m in news if monitors[m].depends_on_id and watches[m].state in FAILING}
    if dependents:
        components |= dependencies.ancestor_components(dependents)
    # A recovered outage whose stable period is over resolves even when all is quiet.
    linked = {o.component_id for o in observations if o.component_id}
    components |= _stable_again(linked)
    for component_id in sorted(components):
        try:
            evaluate_component(component_id)
        except Exception:
            log.exception("detection: evaluating component %s failed", component_id)


def _in_open_outages(monitor_ids: set[int]) -> set[int]:
    """The monitors their own component's open outage already holds as evidence: their
    next failing check is not news. In a broad outage that is nearly every result, and
    re-deciding each component on every batch kept the checker's database thread (and
    on SQLite the one write lock) busy enough to hold up the worker's notices by
    seconds. (A dependent folded into an ancestor's outage stays news: once the
    ancestor recovers, it opens its own.)"""
    if not monitor_ids:
        return set()
    return set(
        Evidence.objects.filter(
            outage__closed_at__isnull=True,
            monitor_id__in=monitor_ids,
            outage__component_id=F("monitor__component_id"),
        ).values_list("monitor_id", flat=True)
    )


def _stable_again(component_ids: set[int]) -> set[int]:
    """Components among these whose open outage has recovered for the stable period."""
    if not component_ids:
        return set()
    return set(
        Outage.objects.filter(
            closed_at__isnull=True,
            component_id__in=component_ids,
            recovered_at__lte=timezone.now() - resolve_after(),
        ).values_list("component_id", flat=True)
    )


# --- components: outages and incidents ---------------------------------------------


def component_target(watches: Iterable[Watch]) -> ComponentStatus:
    """Worst of the monitors' states, each mapped by its watch (down -> its down_status)."""
    worst = ComponentStatus.OPERATIONAL
    for watch in watches:
        if watch.state == MonitorState.DOWN:
            status = ComponentStatus(watch.down_status)
        elif watch.state == MonitorState.DEGRADED:
            status = ComponentStatus.DEGRADED_PERFORMANCE
        else:
            continue
        worst = max(worst, status, key=_COMPONENT_ORDER.index)
    return worst


def in_maintenance(component: Component) -> bool:
    return Maintenance.objects.filter(
        components=component,
        status__in=[MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING],
    ).exists()


def _symptom_line(watch: Watch) -> str:
    state = "down" if watch.state == MonitorState.DOWN else "degraded"
    detail = f": {watch.failing_message}" if watch.failing_message else ""
    return f"{watch.monitor.name} is {state}{detail}"


def _add_evidence(outage: Outage, watches: list[Watch], now: dt.datetime) -> list[Watch]:
    known = set(outage.evidence.values_list("monitor_id", flat=True))
    added = []
    for watch in watches:
        if watch.monitor_id in known:
            continue
        Evidence.objects.create(
            outage=outage,
            monitor=watch.monitor,
            monitor_name=watch.monitor.name,
            state=watch.state,
            first_failure_at=watch.failing_since or watch.confirmed_at or now,
            first_failure_status=watch.failing_status or watch.state,
            first_failure_message=watch.failing_message,
            confirmed_at=watch.confirmed_at or now,
            confirmations=watch.confirmations,
            regions=watch.regions,
        )
        added.append(watch)
    return added


def ongoing_update_every() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("DETECTION_ONGOING_UPDATE_SECONDS", 60))


def _ongoing_update_due(incident: Incident, now: dt.datetime) -> bool:
    """Whether more failing checks of an open outage may be posted as an update: at most
    one such update every ``DETECTION_ONGOING_UPDATE_SECONDS`` (the evidence is kept
    in between), so thousands of monitors failing one after another in a broad
    outage do not become thousands of updates."""
    last = incident.updates.order_by("-display_at").values_list("display_at", flat=True).first()
    return last is None or now - last >= ongoing_update_every()


def _alert(outage: Outage, what: str, detail: str) -> None:
    """Auto-open or auto-resolve is off: only operators hear of it.

    The audit entry says what detection decided; the operator alert (an outbox
    event nobody public receives) reaches the alert channels through notify.
    """
    lifecycle.record_change(
        ACTOR,
        f"detection.{what}",
        outage,
        before=None,
        after={"component": outage.component.code, "status": outage.status, "detail": detail},
        page=outage.component.page,
    )
    measured = ComponentStatus.OPERATIONAL if what == "recovered" else outage.status
    lifecycle.alert_operators(
        outage.component, actor=ACTOR, measured_status=measured, detail=detail
    )


def evaluate_component(component_id: int, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        # Locking the component serialises checkers deciding about the same outage.
        component = (
            Component.objects.select_for_update(of=("self",))
            .select_related("page")
            .get(pk=component_id)
        )
        # Read once the lock is held: an incident opened here is stamped when it is
        # decided, not before a wait for another writer (its notices count from it).
        now = now or timezone.now()
        watches = list(
            Watch.objects.filter(monitor__component=component, monitor__paused=False)
            .select_related("monitor")
            .order_by("monitor__name", "monitor_id")
        )
        held = dependencies.holds(watches)
        failing = [w for w in watches if w.state in FAILING and w.monitor_id not in held]
        outage = (
            Outage.objects.filter(component=component, closed_at__isnull=True)
            .select_related("incident")
            .first()
        )
        if in_maintenance(component):
            return  # silenced: the maintenance notice already speaks for it
        if outage is None and failing and _only_the_instance_starting(failing):
            return  # its own checks fail because it is starting: not an outage (yet)
        if failing:
            folded = dependencies.folded_into(component.pk, watches)
            also = _folded_targets(component, folded)
            _on_failing(component, outage, failing + folded, component_target(failing), now, also)
        elif outage is not None and not held:
            # (An outage whose failures an ancestor now explains stays open as it is.)
            _on_recovered(component, outage, now)


def _folded_targets(component: Component, folded: list[Watch]) -> dict:
    """Each other component of the folded dependents, at its worst monitor's status."""
    by_component: dict[int, list[Watch]] = {}
    for watch in folded:
        if watch.monitor.component_id and watch.monitor.component_id != component.pk:
            by_component.setdefault(watch.monitor.component_id, []).append(watch)
    return {group[0].monitor.component: component_target(group) for group in by_component.values()}


def _only_the_instance_starting(failing: list[Watch]) -> bool:
    return all(starting.targets_instance(w.monitor) for w in failing) and (
        starting.instance_starting()
    )


def _open_auto_incident(component: Component) -> Incident | None:
    """An earlier outage's incident nobody resolved yet (auto-resolve off): reuse it."""
    return (
        Incident.objects.filter(
            outages__component=component, status__in=IncidentStatus.open_values()
        )
        .order_by("-started_at")
        .first()
    )


def _declare(
    component: Component, outage: Outage, failing: list[Watch], target: ComponentStatus,
    now: dt.datetime, also: dict[Component, ComponentStatus] | None = None,
) -> None:  # fmt: skip
    """Something is down: open an incident (or join the one nobody resolved yet), or,
    with auto-open off, alert the operators only. ``also``: the components of
    dependents whose failures fold into this outage, with their statuses."""
    symptom = SYMPTOMS[target]
    lines = "\n".join(f"- {_symptom_line(w)}" for w in failing)
    detail = f"Automatic monitoring detected {symptom} of {component.name}.\n\n{lines}"
    body = _public(component, "investigating")
    incident = _open_auto_incident(component)
    if incident is not None:
        lifecycle.post_update(
            incident, actor=ACTOR, status=IncidentStatus.INVESTIGATING, body=body,
            components={component: target, **(also or {})}, display_at=now, detail=detail,
        )  # fmt: skip
        outage.incident = incident
    elif component.auto_open:
        started = min((w.failing_since or w.confirmed_at or now) for w in failing)
        outage.incident = lifecycle.create_incident(
            component.page, actor=ACTOR, name=_public(component, "title", target), body=body,
            components={component: target, **(also or {})}, started_at=min(started, now),
            display_at=now,
            detail=detail,
        )  # fmt: skip
    else:
        outage.alerted = True
        _alert(outage, "alert", detail)


def _show_degraded(component: Component, outage: Outage) -> None:
    """Degraded is not an outage: the component says so, without an incident (and
    only over "operational": a status someone else chose stays)."""
    if not component.auto_open:
        if not outage.alerted:
            outage.alerted = True
            _alert(outage, "alert", f"{component.name}: degraded performance")
        return
    component.refresh_from_db(fields=["status"])
    if component.status == ComponentStatus.OPERATIONAL:
        lifecycle.set_component_status(component, ComponentStatus.DEGRADED_PERFORMANCE, actor=ACTOR)
        outage.set_component = True


def _on_failing(
    component: Component,
    outage: Outage | None,
    failing: list[Watch],
    target: ComponentStatus,
    now: dt.datetime,
    also: dict[Component, ComponentStatus] | None = None,
) -> None:
    degraded = target == ComponentStatus.DEGRADED_PERFORMANCE
    if outage is None:
        outage = Outage.objects.create(component=component, status=target, opened_at=now)
        _add_evidence(outage, failing, now)
        if degraded and _open_auto_incident(component) is None:
            _show_degraded(component, outage)
        else:
            _declare(component, outage, failing, target, now, also)
        outage.save()
        return
    added = _add_evidence(outage, failing, now)
    incident = outage.incident
    if incident is not None:
        incident.refresh_from_db()
    worse = _COMPONENT_ORDER.index(target) > _COMPONENT_ORDER.index(outage.status)
    if incident is None:
        if not degraded and (worse or (added and not outage.alerted)):
            _declare(component, outage, failing, target, now, also)  # degraded became down
        elif not degraded and added:
            _alert(outage, "alert", "; ".join(_symptom_line(w) for w in added))
        elif degraded:
            _show_degraded(component, outage)
    elif incident.is_open:
        back = incident.status == IncidentStatus.MONITORING
        joined = _new_in(incident, also)  # a dependent's component the incident now covers
        if worse or back or joined or (added and _ongoing_update_due(incident, now)):
            lines = "\n".join(f"- {_symptom_line(w)}" for w in (added or failing))
            lead = "The problem is back" if back else "More checks of this outage fail"
            lifecycle.post_update(
                incident,
                actor=ACTOR,
                status=IncidentStatus.INVESTIGATING if back else incident.status,
                body=_public(component, "investigating" if back else "ongoing"),
                components={component: target, **joined},
                display_at=now,
                # More failing checks of an outage people already heard of are not news:
                # in a broad outage they would be one email per batch of checks. Another
                # component joining it is: its subscribers have not heard yet.
                notify=bool(worse or back or joined),
                detail=f"{lead} ({component.name}).\n\n{lines}",
            )
    if worse:
        outage.status = target
    outage.recovered_at = None
    outage.save()


def _new_in(incident: Incident, also: dict[Component, ComponentStatus] | None) -> dict:
    """The folded components the incident does not show at that status yet."""
    if not also:
        return {}
    shown = dict(incident.affected.values_list("component_id", "status"))
    return {c: s for c, s in also.items() if shown.get(c.pk) != s}


def _folded_components(outage: Outage) -> list[Component]:
    """Components of dependents folded into this outage (their evidence names them)."""
    ids = (
        outage.evidence.exclude(monitor__component=outage.component_id)
        .exclude(monitor__component__isnull=True)
        .values_list("monitor__component_id", flat=True)
    )
    return list(Component.objects.filter(pk__in=set(ids)))


def _on_recovered(component: Component, outage: Outage, now: dt.datetime) -> None:
    incident = outage.incident
    if incident is not None:
        incident.refresh_from_db()
    automatic = incident is not None and incident.is_open and component.auto_resolve
    if outage.recovered_at is None:
        outage.recovered_at = now
        outage.save(update_fields=["recovered_at"])
        if automatic:
            lifecycle.post_update(
                incident,
                actor=ACTOR,
                status=IncidentStatus.MONITORING,
                body=_public(component, "monitoring"),
                components={
                    c: ComponentStatus.OPERATIONAL for c in [component, *_folded_components(outage)]
                },
                display_at=now,
                detail=f"Every check of {component.name} passes again.",
            )
        elif incident is None and outage.set_component:
            component.refresh_from_db(fields=["status"])
            if component.status == ComponentStatus.DEGRADED_PERFORMANCE:
                lifecycle.set_component_status(component, ComponentStatus.OPERATIONAL, actor=ACTOR)
        elif incident is None or incident.is_open:
            _alert(outage, "recovered", f"every check of {component.name} passes again")
        return
    if now - outage.recovered_at < resolve_after():
        return
    if automatic:
        lifecycle.resolve_incident(
            incident,
            actor=ACTOR,
            body=_public(component, "resolved"),
            display_at=now,
            detail=f"{component.name} has been working normally since "
            f"{outage.recovered_at:%Y-%m-%d %H:%M:%S} UTC.",
        )
    outage.closed_at = now
    outage.save(update_fields=["closed_at"])


# --- the worker's sweep and the postmortem timeline --------------------------------

_last_sweep = 0.0


def sweep(now: dt.datetime | None = None) -> int:
    """Re-evaluate components with an open outage (recovery timing needs no new check)."""
    ids = list(Outage.objects.filter(closed_at__isnull=True).values_list("component_id", flat=True))
    for component_id in ids:
        evaluate_component(component_id, now)
    return len(ids)


def sweep_job(worker: str) -> bool:
    global _last_sweep
    if time.monotonic() - _last_sweep < _setting("DETECTION_SWEEP_SECONDS", 5):
        return False
    _last_sweep = time.monotonic()
    return sweep() > 0


def timeline_entries(incident: Incident) -> list[TimelineEntry]:
    entries = []
    for item in Evidence.objects.filter(outage__incident=incident).order_by("confirmed_at", "id"):
        detail = f": {item.first_failure_message}" if item.first_failure_message else ""
        entries.append(
            TimelineEntry(
                item.first_failure_at,
                EntryKind.DETECTED,
                f"First failure: {item.monitor_name} {item.first_failure_status}{detail}",
                ACTOR.label,
            )
        )
        regions = f" in {', '.join(item.regions)}" if item.regions else ""
        entries.append(
            TimelineEntry(
                item.confirmed_at,
                EntryKind.DETECTED,
                f"Confirmed: {item.monitor_name} {item.state} after "
                f"{item.confirmations} check(s){regions}",
                ACTOR.label,
            )
        )
    return entries
