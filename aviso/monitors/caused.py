"""Which incidents a monitor caused, asked of whoever opens incidents from checks.

Detection (a layer above the monitors) knows which outage a monitor's failure
went into; it registers a source here, so the monitor's console page can list
them without this app importing the one above it.
"""

from __future__ import annotations

from collections.abc import Callable

from aviso.monitors.models import Monitor
from aviso.status.models import Incident

IncidentSource = Callable[[Monitor, int], list[Incident]]
_sources: list[IncidentSource] = []


def register_incident_source(source: IncidentSource) -> None:
    if source not in _sources:
        _sources.append(source)


def caused_incidents(monitor: Monitor, limit: int = 20) -> list[Incident]:
    """The incidents opened or joined because of ``monitor``, newest first."""
    found: dict[int, Incident] = {}
    for source in _sources:
        for incident in source(monitor, limit):
            found.setdefault(incident.pk, incident)
    return sorted(found.values(), key=lambda i: i.started_at, reverse=True)[:limit]
