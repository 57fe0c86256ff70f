"""Dependencies between monitors: a failure that a failing parent explains is not its own.

A monitor may depend on another (``Monitor.depends_on``: the bot platform on its
database). While an ancestor is confirmed down, a failing descendant is *held*:
it opens no outage, incident or alert of its own, and is *folded* into the
outage of the furthest ancestor that is down on a component, as evidence, with
its own component listed on that outage's incident. While an ancestor's last
check failed but is not confirmed yet, the descendant waits (held, folded
nowhere), so a child with fewer confirmations than its parent does not open an
incident a moment before the parent's.

Ancestors on no component have no incident to fold into and are skipped; the
chain goes on above them. Paused ancestors are skipped likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

from aviso.detection.models import Watch
from aviso.monitors.choices import CheckStatus, MonitorState
from aviso.monitors.models import MAX_DEPENDENCY_DEPTH, Monitor

FAILING = (MonitorState.DOWN, MonitorState.DEGRADED)


@dataclass(frozen=True)
class Hold:
    into: Watch | None  # the furthest ancestor confirmed down on a component; None: waiting


def _ancestors(monitor_ids: set[int]) -> dict[int, list[int]]:
    """Each monitor's ancestors, nearest first. One query per level of the chains."""
    parent: dict[int, int | None] = {}
    frontier = set(monitor_ids)
    for _ in range(MAX_DEPENDENCY_DEPTH + 1):
        frontier -= parent.keys()
        if not frontier:
            break
        rows = dict(Monitor.objects.filter(pk__in=frontier).values_list("pk", "depends_on_id"))
        parent.update(rows)
        parent.update({pk: None for pk in frontier - rows.keys()})
        frontier = {p for p in rows.values() if p is not None}
    chains = {}
    for monitor_id in monitor_ids:
        chain, cursor = [], parent.get(monitor_id)
        while cursor is not None and cursor not in chain and len(chain) < MAX_DEPENDENCY_DEPTH:
            chain.append(cursor)
            cursor = parent.get(cursor)
        chains[monitor_id] = chain
    return chains


def holds(watches: list[Watch]) -> dict[int, Hold]:
    """Per failing watch (by monitor id) that an ancestor's failure explains: its hold."""
    candidates = [w for w in watches if w.state in FAILING and w.monitor.depends_on_id]
    if not candidates:
        return {}
    chains = _ancestors({w.monitor_id for w in candidates})
    above = {a for chain in chains.values() for a in chain}
    ancestors = {
        w.monitor_id: w
        for w in Watch.objects.filter(
            monitor_id__in=above, monitor__paused=False, monitor__component__isnull=False
        ).select_related("monitor")
    }
    result = {}
    for watch in candidates:
        into, waiting = None, False
        for ancestor_id in chains[watch.monitor_id]:
            ancestor = ancestors.get(ancestor_id)
            if ancestor is None:
                continue
            if ancestor.state == MonitorState.DOWN:
                into = ancestor  # keep walking: the furthest one down is the cause
            elif ancestor.monitor.last_status == CheckStatus.DOWN:
                waiting = True
        if into is not None or waiting:
            result[watch.monitor_id] = Hold(into)
    return result


def folded_into(component_id: int, watches: list[Watch]) -> list[Watch]:
    """Failing descendants of ``watches``' down monitors whose failure folds into the
    outage of component ``component_id`` (``watches`` are that component's)."""
    descendants: set[int] = set()
    frontier = {w.monitor_id for w in watches if w.state == MonitorState.DOWN}
    for _ in range(MAX_DEPENDENCY_DEPTH):
        frontier = set(
            Monitor.objects.filter(depends_on_id__in=frontier, paused=False).values_list(
                "pk", flat=True
            )
        ) - descendants
        if not frontier:
            break
        descendants |= frontier
    if not descendants:
        return []
    failing = list(
        Watch.objects.filter(monitor_id__in=descendants, state__in=FAILING)
        .select_related("monitor", "monitor__component")
        .order_by("monitor__name", "monitor_id")
    )
    held = holds(failing)
    return [
        w
        for w in failing
        if (hold := held.get(w.monitor_id)) is not None
        and hold.into is not None
        and hold.into.monitor.component_id == component_id
    ]


def ancestor_components(monitor_ids: set[int]) -> set[int]:
    """The components of these monitors' ancestors: where their failures may fold."""
    chains = _ancestors(monitor_ids)
    above = {a for chain in chains.values() for a in chain}
    if not above:
        return set()
    return set(
        Monitor.objects.filter(pk__in=above, component__isnull=False).values_list(
            "component_id", flat=True
        )
    )
