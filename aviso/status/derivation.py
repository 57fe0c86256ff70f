"""States derived from component statuses: the page banner and an incident's impact.

The page indicator follows the table in Statuspage's public formats (see
docs/api.md): it comes from component statuses, never from incident impact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from aviso.status.choices import ComponentStatus, IncidentImpact, PageIndicator


@dataclass(frozen=True)
class PageState:
    indicator: PageIndicator
    # Statuspage's English description, kept verbatim for the v2 JSON.
    description: str
    # What the banner says, translated.
    headline: str
    # The worst component status, which colours the banner.
    worst: ComponentStatus


_HEADLINES = {
    "All Systems Operational": _("All systems operational"),
    "Partially Degraded Service": _("Partially degraded service"),
    "Degraded System Service": _("Degraded system service"),
    "Minor Service Outage": _("Minor service outage"),
    "Partial System Outage": _("Partial system outage"),
    "Major System Outage": _("Major system outage"),
    "Service Under Maintenance": _("Service under maintenance"),
}


def page_state(statuses: Iterable[str]) -> PageState:
    statuses = [ComponentStatus(s) for s in statuses]
    present = set(statuses)

    def every(status: ComponentStatus) -> bool:
        return bool(statuses) and present == {status}

    if every(ComponentStatus.MAJOR_OUTAGE):
        indicator, description = PageIndicator.CRITICAL, "Major System Outage"
    elif ComponentStatus.MAJOR_OUTAGE in present:
        indicator, description = PageIndicator.MAJOR, "Partial System Outage"
    elif every(ComponentStatus.PARTIAL_OUTAGE):
        indicator, description = PageIndicator.MAJOR, "Partial System Outage"
    elif ComponentStatus.PARTIAL_OUTAGE in present:
        indicator, description = PageIndicator.MINOR, "Minor Service Outage"
    elif every(ComponentStatus.DEGRADED_PERFORMANCE):
        indicator, description = PageIndicator.MINOR, "Degraded System Service"
    elif ComponentStatus.DEGRADED_PERFORMANCE in present:
        indicator, description = PageIndicator.MINOR, "Partially Degraded Service"
    elif ComponentStatus.UNDER_MAINTENANCE in present:
        indicator, description = PageIndicator.MAINTENANCE, "Service Under Maintenance"
    else:
        indicator, description = PageIndicator.NONE, "All Systems Operational"
    worst = max(statuses, key=lambda s: s.severity, default=ComponentStatus.OPERATIONAL)
    return PageState(indicator, description, str(_HEADLINES[description]), worst)


_IMPACT_FOR_STATUS = {
    ComponentStatus.MAJOR_OUTAGE: IncidentImpact.CRITICAL,
    ComponentStatus.PARTIAL_OUTAGE: IncidentImpact.MAJOR,
    ComponentStatus.DEGRADED_PERFORMANCE: IncidentImpact.MINOR,
}
IMPACT_ORDER = [
    IncidentImpact.NONE,
    IncidentImpact.MINOR,
    IncidentImpact.MAJOR,
    IncidentImpact.CRITICAL,
]


def impact_from_components(statuses: Iterable[str]) -> IncidentImpact:
    impacts = [_IMPACT_FOR_STATUS.get(ComponentStatus(s), IncidentImpact.NONE) for s in statuses]
    return max(impacts, key=IMPACT_ORDER.index, default=IncidentImpact.NONE)
