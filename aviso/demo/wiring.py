"""The demo's monitors, aimed at this run's synthetic services (their ports change
every start), all through the lifecycles, as an operator would set them up."""

from __future__ import annotations

from aviso.demo.live import DEGRADED_MS
from aviso.demo.seed import PAGE
from aviso.monitors import lifecycle as monitors
from aviso.monitors.models import Monitor
from aviso.status import lifecycle
from aviso.status.models import Component

DEMO = lifecycle.Actor.system("demo")
INTERVAL_SECONDS = 10  # the shortest the monitors allow: the demo moves at once
# A child's failures fold into its parent's outage while the parent is down.
DEPENDS_ON = {
    "Bot Platform": "Databases",
    "WhatsApp Messaging Service": "Bot Platform",
}


def monitor_name(component: str) -> str:
    return f"{component} health"


def demo_components() -> list[Component]:
    return list(Component.objects.filter(page__slug=PAGE["slug"]).order_by("position", "id"))


def connect_monitors(urls: dict[str, str]) -> list[Monitor]:
    """One HTTP monitor per component in ``urls`` (component name -> URL): created on the
    first start, re-aimed at the new port on the next ones. Parents come first."""
    found: dict[str, Monitor] = {}
    components = {c.name: c for c in demo_components() if c.name in urls}
    order = sorted(components, key=lambda name: _depth(name))
    for name in order:
        component = components[name]
        if not component.show_response_times:
            lifecycle.update_component(component, actor=DEMO, show_response_times=True)
        config = {"url": urls[name], "keyword": "ok", "degraded_latency_ms": DEGRADED_MS}
        parent = found.get(DEPENDS_ON.get(name, ""))
        existing = Monitor.objects.filter(component=component, name=monitor_name(name)).first()
        if existing is None:
            found[name] = monitors.create_monitor(
                actor=DEMO, name=monitor_name(name), kind="http", config=config,
                component=component, interval_seconds=INTERVAL_SECONDS, timeout_seconds=5,
                confirmations_down=2, confirmations_up=1, depends_on=parent,
            )  # fmt: skip
        else:
            found[name] = monitors.update_monitor(
                existing, actor=DEMO, config=config, depends_on=parent
            )
    return list(found.values())


def _depth(name: str) -> int:
    depth = 0
    while name in DEPENDS_ON and depth < 5:
        name, depth = DEPENDS_ON[name], depth + 1
    return depth
