"""Response times ("system metrics") for the public page, per opted-in component.

The monitors app measures them; status cannot import it, so it registers a
source here: ``fn(component_ids, now=) -> {component_id: [Series, ...]}``,
which must run a fixed number of queries whatever the page's size or history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from aviso.status.models import Component


@dataclass(frozen=True)
class Series:
    """One chart: average response time per bucket, oldest first, over one range."""

    key: str  # "day", "week" or "month": the range's anchor on the page
    start: dt.datetime
    end: dt.datetime
    points: list[tuple[dt.datetime, float | None]]  # bucket start, average ms (None: no checks)
    average: float | None  # over the range, checks weighted alike
    slowest: float | None  # the highest hourly 95th percentile in the range

    @property
    def has_data(self) -> bool:
        return any(value is not None for _, value in self.points)


Source = Callable[..., dict[int, list[Series]]]
_sources: list[Source] = []


def register_metrics_source(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def component_metrics(
    components: list[Component], *, now: dt.datetime | None = None
) -> dict[int, list[Series]]:
    """The charts of the components that opted in, by component id; no query when none did."""
    wanted = [c.pk for c in components if c.show_response_times]
    if not wanted:
        return {}
    now = now or timezone.now()
    found: dict[int, list[Series]] = {}
    for source in _sources:
        for component_id, series in source(wanted, now=now).items():
            if any(s.has_data for s in series):
                found[component_id] = series
    return found
