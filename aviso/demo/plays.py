"""``aviso scenario NAME --on-demo``: the seed's incidents played on the running demo.

Instead of a throwaway sandbox, the scenario breaks the running demo's
synthetic services (through the modes file, see ``aviso.demo.live``) and lets
the demo's own checker, detection and worker react, so the incident shows on
the demo's public page and console. It waits for the reaction, mends the
services, waits for the recovery, and prints what happened when.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from aviso.demo.live import write_modes
from aviso.demo.seed import PAGE
from aviso.monitors.choices import MonitorState
from aviso.monitors.models import Monitor
from aviso.status.choices import ComponentStatus, IncidentStatus
from aviso.status.models import Component, Incident


@dataclass(frozen=True)
class Play:
    title: str
    modes: dict[str, str]  # component -> what its service does meanwhile
    component: str  # where the reaction shows
    expect: str  # "incident" (one opens on it) or "degraded" (its status says so)


PLAYS = {
    "dependency-cut": Play(
        "May 19: the integrations backend's port is closed",
        {"Workflows & Integrations": "closed"},
        "Workflows & Integrations",
        "incident",
    ),
    "campaign-spike": Play(
        "A campaign spike slows the bots down",
        {"WhatsApp Messaging Service": "slow", "Bot Platform": "slow"},
        "WhatsApp Messaging Service",
        "degraded",
    ),
    "db-saturation": Play(
        "June 30: the database saturates, the bot platform and WhatsApp fail with it",
        {"Databases": "down", "Bot Platform": "down", "WhatsApp Messaging Service": "down"},
        "Databases",
        "incident",
    ),
}


class PlayFailed(Exception):
    pass


def _wait(what: str, condition: Callable[[], object], tick: Callable[[], None], timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise PlayFailed(f"timed out after {timeout:g} s waiting for {what}")
        tick()


def play(
    name: str,
    *,
    say: Callable[[str], None] = print,
    tick: Callable[[], None] = lambda: time.sleep(1),
    timeout: float = 180,
) -> Incident | None:
    """Play ``name`` on the demo; the incident it opened (None for a degraded-only play)."""
    spec = PLAYS[name]
    component = Component.objects.filter(page__slug=PAGE["slug"], name=spec.component).first()
    if component is None:
        raise PlayFailed("the demo page has no component " + repr(spec.component))
    started = timezone.now()
    say(f"{spec.title}")
    write_modes(spec.modes)
    say("  broken: " + ", ".join(f"{c} ({m})" for c, m in spec.modes.items()))
    incident = None
    try:
        if spec.expect == "incident":
            incident = _wait(
                "an incident on " + spec.component,
                # A new incident, or one not resolved yet that the problem is back in.
                lambda: Incident.objects.filter(
                    components=component, updated_at__gte=started,
                    status__in=[IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED],
                ).first(),
                tick, timeout,
            )  # fmt: skip
            say(f"  incident open after {_since(started)}: {incident.name}")
            # Let every broken service's checks confirm it, so the dependents fold in.
            try:
                _wait("every broken service's checks to fail", lambda: _all_failing(spec),
                      tick, min(timeout, 60))  # fmt: skip
            except PlayFailed as error:
                say(f"  ({error}; mending anyway)")
            tick()  # detection folds them in right after their checks are stored
            affected = ", ".join(c.name for c in incident.components.all())
            say(f"  affects: {affected}")
        else:
            _wait(
                spec.component + " to show degraded performance",
                lambda: Component.objects.filter(
                    pk=component.pk, status=ComponentStatus.DEGRADED_PERFORMANCE
                ).exists(),
                tick, timeout,
            )  # fmt: skip
            say(f"  {spec.component} degraded after {_since(started)}")
    finally:
        write_modes({})
    mended = timezone.now()
    say("  mended: every service answers again")
    if incident is not None:
        _wait(
            "the incident to go to monitoring",
            lambda: Incident.objects.filter(
                pk=incident.pk, status__in=[IncidentStatus.MONITORING, IncidentStatus.RESOLVED]
            ).exists(),
            tick, timeout,
        )  # fmt: skip
        say(f"  monitoring after {_since(mended)}; it resolves after the stable period")
        say(f"  public incident page: /incidents/{incident.code}")
    else:
        _wait(
            spec.component + " to be operational again",
            lambda: Component.objects.filter(
                pk=component.pk, status=ComponentStatus.OPERATIONAL
            ).exists(),
            tick, timeout,
        )  # fmt: skip
        say(f"  operational again after {_since(mended)}")
    return incident


def _all_failing(spec: Play) -> bool:
    return not Monitor.objects.filter(
        component__page__slug=PAGE["slug"], component__name__in=spec.modes, paused=False
    ).exclude(state__in=[MonitorState.DOWN, MonitorState.DEGRADED]).exists()


def _since(moment) -> str:
    return f"{(timezone.now() - moment).total_seconds():.0f} s"
