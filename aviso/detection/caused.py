"""The incidents a monitor's failures went into: through the evidence of each outage."""

from __future__ import annotations

from aviso.monitors.models import Monitor
from aviso.status.models import Incident


def incidents_caused_by(monitor: Monitor, limit: int) -> list[Incident]:
    return list(
        Incident.objects.filter(outages__evidence__monitor=monitor)
        .distinct()
        .order_by("-started_at", "-id")[:limit]
    )
