"""The public page's bars for a monitored component come from its roll-ups."""

from __future__ import annotations

import datetime as dt

import pytest

from aviso.monitors.models import Rollup
from aviso.monitors.tests.factories import make_monitor
from aviso.status.uptime import page_uptime
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC)


class TestPublicBarsFromRollups:
    def test_a_down_hour_in_the_rollups_shows_on_the_status_page_bar(self):
        page = make_page(time_zone="UTC")
        api = make_component(page, "API")
        quiet = make_component(page, "Web")
        monitor = make_monitor(component=api)
        day = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        Rollup.objects.bulk_create(
            Rollup(monitor=monitor, hour=day + dt.timedelta(hours=h), up=120, down=0)
            for h in range(24)
        )
        Rollup.objects.filter(monitor=monitor, hour=day + dt.timedelta(hours=3)).update(
            up=60, down=60
        )

        bars = page_uptime(page, now=NOW)

        api_day = next(d for d in bars[api.pk].days if d.date == dt.date(2026, 11, 20))
        assert api_day.worst == "major_outage"
        assert api_day.uptime == pytest.approx(100 * (1 - 60 / (24 * 120)))
        assert bars[api.pk].percent < 100
        # A component without monitors keeps its status-history bars.
        assert all(d.worst == "operational" for d in bars[quiet.pk].days)
        assert bars[quiet.pk].percent == 100.0
