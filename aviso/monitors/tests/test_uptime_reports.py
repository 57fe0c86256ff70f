"""The uptime report counts the checks of monitored components (the worse figure wins)."""

from __future__ import annotations

import datetime as dt

import pytest

from aviso.monitors.models import Rollup
from aviso.monitors.tests.factories import make_monitor
from aviso.status.reports import month_report
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db


def test_a_monitored_component_reports_the_share_of_checks_that_passed():
    page = make_page(time_zone="UTC")
    api = make_component(page, "API")
    make_component(page, "Docs")  # no monitors: the status history alone
    monitor = make_monitor("api", component=api)
    september = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    Rollup.objects.create(monitor=monitor, hour=september, up=700, degraded=20, down=30)
    Rollup.objects.create(monitor=monitor, hour=september - dt.timedelta(hours=1), down=500)
    report = month_report(page, 2026, 9, now=september + dt.timedelta(days=40))
    rows = {row.component.name: row.uptime for row in report.rows}
    assert rows["API"] == pytest.approx(100 * 720 / 750)  # August's hour is not September's
    assert rows["Docs"] == 100.0
