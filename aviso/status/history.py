"""The notice history: months newest first, grouped in the page's time zone.

A window of months costs a fixed number of queries however long the history:
one for incidents (postmortems joined), one for their updates, one for
maintenances and one for their updates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aviso.lib.dates import month_label
from aviso.lib.timezones import add_months, month_bounds
from aviso.status.models import Incident, IncidentUpdate, Maintenance, MaintenanceUpdate, Page
from aviso.status.showing import page_incidents, page_maintenances


@dataclass
class Notice:
    kind: str  # "incident" or "maintenance"
    obj: Incident | Maintenance
    at: dt.datetime

    @property
    def is_incident(self) -> bool:
        return self.kind == "incident"


@dataclass
class Month:
    year: int
    month: int
    notices: list[Notice] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def label(self) -> str:
        return month_label(self.year, self.month, get_language())

    @property
    def anchor(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class HistoryWindow:
    months: list[Month]  # newest first
    newer_through: str | None  # "YYYY-MM" for the Previous link, None at the present
    older_through: str  # "YYYY-MM" for the Next link

    @property
    def range_label(self) -> str:
        return _("%(start)s to %(end)s") % {"start": self.oldest.label, "end": self.newest.label}

    @property
    def oldest(self) -> Month:
        return self.months[-1]

    @property
    def newest(self) -> Month:
        return self.months[0]


def notices_between(page: Page, start: dt.datetime, end: dt.datetime) -> list[Notice]:
    """Incidents (by start) and maintenances (by planned start) in [start, end), newest first."""
    incidents = (
        page_incidents(page)
        .filter(started_at__gte=start, started_at__lt=end)
        .select_related("postmortem")
        .prefetch_related(
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-id"))
        )
        .order_by("-started_at", "-id")
    )
    maintenances = (
        page_maintenances(page)
        .filter(scheduled_for__gte=start, scheduled_for__lt=end)
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id"))
        )
        .order_by("-scheduled_for", "-id")
    )
    notices = [Notice("incident", i, i.started_at) for i in incidents]
    notices += [Notice("maintenance", m, m.scheduled_for) for m in maintenances]
    notices.sort(key=lambda n: n.at, reverse=True)
    return notices


def recent_notices(page: Page, *, days: int, now: dt.datetime | None = None) -> list[Notice]:
    now = now or timezone.now()
    return notices_between(page, now - dt.timedelta(days=days), now + dt.timedelta(seconds=1))


def current_month(page: Page, now: dt.datetime | None = None) -> tuple[int, int]:
    local = (now or timezone.now()).astimezone(page.zone)
    return local.year, local.month


def parse_through(value: str | None) -> tuple[int, int] | None:
    """``YYYY-MM`` to (year, month); None when absent or malformed."""
    if not value:
        return None
    try:
        year_text, month_text = value.split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        return None
    if not (1970 <= year <= 9999 and 1 <= month <= 12):
        return None
    return year, month


def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def history_window(
    page: Page,
    through: tuple[int, int] | None = None,
    *,
    count: int | None = None,
    now: dt.datetime | None = None,
) -> HistoryWindow:
    count = count or settings.HISTORY_MONTHS_PER_PAGE
    present = current_month(page, now)
    through = min(through or present, present)
    zone = page.zone
    keys = [add_months(*through, -offset) for offset in range(count)]
    months = {key: Month(*key) for key in keys}
    window_start, _ = month_bounds(*keys[-1], zone)
    _, window_end = month_bounds(*keys[0], zone)

    notices = notices_between(page, window_start, window_end)
    for notice in notices:
        local = notice.at.astimezone(zone)
        months[(local.year, local.month)].notices.append(notice)

    newer = add_months(*through, count)
    newer_through = None if through >= present else _month_key(*min(newer, present))
    older_through = _month_key(*add_months(*through, -count))
    return HistoryWindow([months[key] for key in keys], newer_through, older_through)
