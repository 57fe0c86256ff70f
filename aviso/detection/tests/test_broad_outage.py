"""A broad outage: results an open outage already holds are not decided again.

In a mass outage nearly every stored result is one more failing check of a
component whose incident is already open. Re-deciding each such component on
every batch kept the checker's database thread, and on SQLite the one write
lock, busy enough to hold the worker's notices back by seconds (bench/RESULTS.md,
"Mass outage"). These tests pin the behaviour: such a batch writes nothing and
costs a fixed handful of queries however many components are out, while what
is news (a monitor newly failing, a stable period over) is still decided.
"""

from __future__ import annotations

import socket

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from aviso.detection.models import Evidence, Outage
from aviso.detection.tests.helpers import check_batch, make_monitor
from aviso.status.choices import IncidentStatus
from aviso.status.models import Event, Incident, IncidentUpdate
from aviso.testing import make_component, make_page

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def refused_url():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens: every check is refused at once
    return f"http://127.0.0.1:{port}/"


def monitors_on(components, url, per_component=2):
    return [
        make_monitor(
            f"{c.name} check {i}", "http", {"url": url}, component=c, confirmations_down=1
        )  # fmt: skip
        for c in components
        for i in range(per_component)
    ]


def detection_writes(queries) -> list[str]:
    """Writes other than the checker's own result rows and monitor states."""
    return [
        q["sql"] for q in queries
        if q["sql"].lstrip().upper().startswith(WRITES)
        and "monitors_" not in q["sql"].split("(")[0].split(" SET ")[0]
    ]  # fmt: skip


class TestABroadOutage:
    def test_more_failing_checks_of_open_outages_write_nothing_and_cost_a_fixed_few_queries(
        self, refused_url
    ):
        page = make_page()
        few = [make_component(page, f"Service {i}") for i in range(2)]
        many = [make_component(page, f"Other {i}") for i in range(10)]
        small, large = monitors_on(few, refused_url), monitors_on(many, refused_url)
        check_batch(small + large)  # every component out: one incident each
        assert Incident.objects.count() == 12
        updates, events = IncidentUpdate.objects.count(), Event.objects.count()

        with CaptureQueriesContext(connection) as on_few:
            check_batch(small)
        with CaptureQueriesContext(connection) as on_many:
            check_batch(large)

        assert detection_writes(on_few.captured_queries) == []
        assert detection_writes(on_many.captured_queries) == []
        # Five times the components out, the same number of queries.
        assert len(on_many.captured_queries) == len(on_few.captured_queries)
        assert (IncidentUpdate.objects.count(), Event.objects.count()) == (updates, events)

    def test_a_monitor_newly_failing_in_an_open_outage_is_still_taken_in(self, refused_url):
        component = make_component(make_page(), "API")
        first = monitors_on([component], refused_url, per_component=1)
        check_batch(first)
        outage = Outage.objects.get(component=component)
        later = make_monitor("API check late", "http", {"url": refused_url},
                             component=component, confirmations_down=1)  # fmt: skip
        check_batch(first + [later])
        assert set(Evidence.objects.filter(outage=outage).values_list("monitor_id", flat=True)) == {
            first[0].pk, later.pk,
        }  # fmt: skip
        assert Incident.objects.count() == 1

    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0)
    def test_a_recovered_outage_resolves_on_a_later_quiet_batch_once_stable(self, refused_url):
        from aviso.monitors.tests.targets import HttpTarget

        target = HttpTarget()
        try:
            component = make_component(make_page(), "API")
            monitor = make_monitor("API health", "http", {"url": target.url + "/"},
                                   component=component, confirmations_down=1)  # fmt: skip
            check_batch([monitor])
            target.mode = "500"
            check_batch([monitor])
            target.mode = "ok"
            check_batch([monitor])  # back up: monitoring
            assert Incident.objects.get().status == IncidentStatus.MONITORING
            check_batch([monitor])  # steady and up, the stable period (0 s) is over
            assert Incident.objects.get().status == IncidentStatus.RESOLVED
        finally:
            target.stop()
