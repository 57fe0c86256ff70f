from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aviso.lib.ids import new_code
from aviso.status import lifecycle
from aviso.status.history import history_window, parse_through
from aviso.status.models import Incident, IncidentUpdate, Postmortem
from aviso.testing import SYSTEM, make_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def incident_at(page, when: dt.datetime, name: str = "Something broke"):
    incident = lifecycle.create_incident(page, actor=SYSTEM, name=name, started_at=when)
    lifecycle.resolve_incident(incident, actor=SYSTEM, display_at=when + dt.timedelta(minutes=30))
    return incident


def months_of(window):
    return {month.anchor: [n.obj.name for n in month.notices] for month in window.months}


class TestMonthGrouping:
    def test_it_groups_by_the_page_zone_not_utc(self):
        page = make_page(time_zone="America/Guayaquil")
        incident_at(page, dt.datetime(2026, 6, 30, 21, 30, tzinfo=UTC), "late June local")
        incident_at(page, dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC), "still June local")
        incident_at(page, dt.datetime(2026, 7, 1, 5, 0, tzinfo=UTC), "July local")

        window = history_window(page, (2026, 7), now=NOW)

        months = months_of(window)
        assert months["2026-06"] == ["still June local", "late June local"]
        assert months["2026-07"] == ["July local"]

    def test_a_zone_east_of_utc_moves_the_boundary_the_other_way(self):
        page = make_page(time_zone="Asia/Tokyo")
        incident_at(page, dt.datetime(2026, 6, 30, 16, 0, tzinfo=UTC), "July 1st in Tokyo")
        window = history_window(page, (2026, 7), now=NOW)
        assert months_of(window)["2026-07"] == ["July 1st in Tokyo"]
        assert months_of(window)["2026-06"] == []


class TestPagination:
    def test_three_months_newest_first_with_a_range_label(self):
        page = make_page()
        window = history_window(page, (2026, 7), now=NOW)
        assert [m.anchor for m in window.months] == ["2026-07", "2026-06", "2026-05"]
        assert window.range_label == "May 2026 to Jul 2026"
        assert window.older_through == "2026-04"
        assert window.newer_through == "2026-10"

    def test_the_present_has_no_newer_link_and_future_is_clamped(self):
        page = make_page()
        window = history_window(page, (2030, 1), now=NOW)
        assert window.months[0].anchor == "2026-11"
        assert window.newer_through is None

    def test_newer_link_never_passes_the_present(self):
        page = make_page()
        window = history_window(page, (2026, 9), now=NOW)
        assert window.newer_through == "2026-11"

    def test_year_boundaries(self):
        page = make_page()
        window = history_window(page, (2026, 1), now=NOW)
        assert [m.anchor for m in window.months] == ["2026-01", "2025-12", "2025-11"]
        assert window.older_through == "2025-10"

    @pytest.mark.parametrize("raw", ["", "2026", "2026-13", "x-y", "1900-01", "2026-00"])
    def test_malformed_through_is_ignored(self, raw):
        assert parse_through(raw) is None

    def test_the_history_view_redirects_a_malformed_through(self, client):
        make_page()
        response = client.get("/history?through=nonsense")
        assert response.status_code == 302
        assert response["Location"] == "/history"


class TestQueryCount:
    def _many_incidents(self, page, count: int):
        # Bulk rows (not the lifecycle) keep a 1,000-incident test fast; the
        # shape matches what the lifecycle writes: updates, and postmortems.
        start = dt.datetime(2026, 5, 2, tzinfo=UTC)
        incidents = Incident.objects.bulk_create(
            Incident(
                page=page,
                code=new_code(),
                name=f"Incident {i}",
                status="resolved",
                started_at=start + dt.timedelta(hours=2 * i),
                created_at=start + dt.timedelta(hours=2 * i),
                updated_at=start + dt.timedelta(hours=2 * i + 1),
                resolved_at=start + dt.timedelta(hours=2 * i + 1),
            )
            for i in range(count)
        )
        updates = []
        for incident in incidents:
            for minutes, status in ((0, "investigating"), (20, "identified"), (60, "resolved")):
                at = incident.started_at + dt.timedelta(minutes=minutes)
                updates.append(
                    IncidentUpdate(
                        incident=incident,
                        code=new_code(),
                        status=status,
                        body="**Body**",
                        display_at=at,
                        created_at=at,
                        updated_at=at,
                        actor_kind="system",
                    )
                )
        IncidentUpdate.objects.bulk_create(updates)
        Postmortem.objects.bulk_create(
            Postmortem(
                incident=i,
                body="## Impact\n\nSome.",
                published_at=i.resolved_at,
                created_at=i.resolved_at,
                updated_at=i.resolved_at,
            )
            for i in incidents[::3]
        )

    def _queries(self, client, url) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    def test_history_and_status_pages_run_a_fixed_number_of_queries(self, client):
        page = make_page()
        self._many_incidents(page, 3)
        small_history = self._queries(client, "/history?through=2026-07")
        small_status = self._queries(client, "/")

        self._many_incidents(page, 1000)
        assert page.incidents.count() == 1003
        assert self._queries(client, "/history?through=2026-07") == small_history
        assert self._queries(client, "/") == small_status
        assert small_history <= 6
        assert small_status <= 12


class TestRememberedNotices:
    """A history page renders each notice once while it is unchanged (status/fragments.py)."""

    def test_a_changed_notice_is_rendered_afresh_and_the_others_reused(self, client):
        from aviso.status import fragments

        page = make_page(languages=["en", "es"])
        now = dt.datetime.now(UTC)
        first = incident_at(page, now - dt.timedelta(days=1), "Login errors")
        incident_at(page, now - dt.timedelta(days=2), "Slow search")
        fragments.clear()
        assert "Login errors" in client.get("/history").content.decode()
        assert len(fragments._memory) == 2
        last = first.updates.order_by("id").last()
        lifecycle.edit_update(last, actor=SYSTEM, body="Fixed *well*.")
        again = client.get("/history").content.decode()
        assert "Fixed <em>well</em>." in again
        assert len(fragments._memory) == 3  # one new rendering; the other notice came from memory
        assert client.get("/es/history").content.decode().count('class="notice') == 2
        assert len(fragments._memory) == 5  # another language is another rendering
