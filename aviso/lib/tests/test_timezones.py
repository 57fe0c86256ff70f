from __future__ import annotations

import datetime as dt
import zoneinfo

from aviso.lib.timezones import add_months, month_bounds, utc_offset_label


class TestTimezones:
    def test_offset_labels_read_like_the_seed(self):
        zone = zoneinfo.ZoneInfo("America/Guayaquil")
        moment = dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC).astimezone(zone)
        assert moment.strftime("%H:%M") == "16:30"
        assert utc_offset_label(moment) == "GMT-5"
        assert utc_offset_label(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == "GMT"
        kolkata = dt.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Kolkata"))
        assert utc_offset_label(kolkata) == "GMT+5:30"

    def test_month_bounds_are_local_midnights_in_utc(self):
        zone = zoneinfo.ZoneInfo("America/Guayaquil")
        start, end = month_bounds(2026, 6, zone)
        assert start == dt.datetime(2026, 6, 1, 5, 0, tzinfo=dt.UTC)
        assert end == dt.datetime(2026, 7, 1, 5, 0, tzinfo=dt.UTC)

    def test_add_months_crosses_years(self):
        assert add_months(2026, 1, -1) == (2025, 12)
        assert add_months(2025, 12, 1) == (2026, 1)
        assert add_months(2026, 7, -14) == (2025, 5)
