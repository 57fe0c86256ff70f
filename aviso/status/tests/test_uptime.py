from __future__ import annotations

import datetime as dt

import pytest

from aviso.status import lifecycle
from aviso.status.models import Component
from aviso.status.uptime import page_uptime
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Noon in Guayaquil (UTC-5) on Nov 27: "today" there has run 12 hours.
NOW = dt.datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def outage(page, component, start, minutes, status="major_outage"):
    incident = lifecycle.create_incident(
        page, actor=SYSTEM, name="Outage", components={component: status}, started_at=start
    )
    lifecycle.resolve_incident(
        incident, actor=SYSTEM, display_at=start + dt.timedelta(minutes=minutes)
    )


class TestPageUptime:
    def test_a_quiet_component_is_100_percent_with_90_green_days(self):
        page = make_page()
        api = make_component(page, "API")
        uptime = page_uptime(page, now=NOW)[api.pk]
        assert len(uptime.days) == 90
        assert uptime.days[-1].date == dt.date(2026, 11, 27)
        assert all(day.worst == "operational" for day in uptime.days)
        assert uptime.percent == 100.0

    def test_a_major_outage_counts_in_full_and_a_partial_one_at_30_percent(self):
        page = make_page()
        api = make_component(page, "API")
        web = make_component(page, "Web")
        # 144 minutes is a tenth of a day.
        day = dt.datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
        outage(page, api, day, 144, "major_outage")
        outage(page, web, day, 144, "partial_outage")

        result = page_uptime(page, now=NOW)
        api_day = next(d for d in result[api.pk].days if d.date == dt.date(2026, 11, 20))
        web_day = next(d for d in result[web.pk].days if d.date == dt.date(2026, 11, 20))
        assert api_day.worst == "major_outage"
        assert api_day.uptime == pytest.approx(90.0)
        assert web_day.worst == "partial_outage"
        assert web_day.uptime == pytest.approx(97.0)
        assert api_day.incidents == ["Outage"]
        # 89.5 days observed (today is half over), 0.1 day down.
        assert result[api.pk].percent == pytest.approx(100 * (1 - 0.1 / 89.5))

    def test_an_outage_across_local_midnight_splits_between_days(self):
        page = make_page(time_zone="America/Guayaquil")
        api = make_component(page, "API")
        # 23:00 to 01:00 local time (04:00 to 06:00 UTC).
        outage(page, api, dt.datetime(2026, 11, 21, 4, 0, tzinfo=UTC), 120)
        days = {d.date: d for d in page_uptime(page, now=NOW)[api.pk].days}
        assert days[dt.date(2026, 11, 20)].uptime == pytest.approx(100 * (1 - 1 / 24))
        assert days[dt.date(2026, 11, 21)].uptime == pytest.approx(100 * (1 - 1 / 24))

    def test_maintenance_is_not_downtime_but_shows_on_the_bar(self):
        page = make_page()
        api = make_component(page, "API")
        start = dt.datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
        maintenance = lifecycle.schedule_maintenance(
            page,
            actor=SYSTEM,
            name="Upgrade",
            scheduled_for=start,
            scheduled_until=start + dt.timedelta(hours=1),
            components=[api],
        )
        lifecycle.start_maintenance(maintenance, actor=SYSTEM, at=start)
        lifecycle.complete_maintenance(maintenance, actor=SYSTEM, at=start + dt.timedelta(hours=1))
        days = {d.date: d for d in page_uptime(page, now=NOW)[api.pk].days}
        assert days[dt.date(2026, 11, 22)].worst == "under_maintenance"
        assert days[dt.date(2026, 11, 22)].uptime == 100.0

    def test_days_before_the_component_existed_have_no_data(self):
        page = make_page()
        api = make_component(page, "API", start_date=dt.date(2026, 11, 25))
        Component.objects.filter(pk=api.pk).update(
            created_at=dt.datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
        )
        days = page_uptime(page, now=NOW)[api.pk].days
        assert days[0].worst is None and days[0].uptime is None
        assert days[-1].worst == "operational"
