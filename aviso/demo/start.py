"""``aviso up --demo``'s live part: services up, monitors aimed, children told to refresh."""

from __future__ import annotations

import os
from collections.abc import Callable

from aviso.demo.live import DemoServices
from aviso.demo.wiring import connect_monitors, demo_components

# The public page's snapshots re-render this often with no change (the charts move).
DEMO_REFRESH_SECONDS = "30"


def start_live_demo() -> tuple[dict[str, str], Callable[[], None]]:
    names = [c.name for c in demo_components()]
    if not names:
        return {}, lambda: None  # no demo page in this database: nothing to bring alive
    services = DemoServices(names)
    try:
        connect_monitors({name: s.url for name, s in services.services.items()})
    except Exception:
        services.stop()
        raise
    refresh = os.environ.get("AVISO_PUBLISH_REFRESH_SECONDS", DEMO_REFRESH_SECONDS)
    return {"AVISO_PUBLISH_REFRESH_SECONDS": refresh}, services.stop
