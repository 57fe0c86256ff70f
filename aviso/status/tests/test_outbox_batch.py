"""A batch of outbox events costs the same few reads however many events it holds:
in a mass outage those events stand between each incident and its notices."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aviso.status import lifecycle, worker
from aviso.status.models import Event, HandlerRun
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


def open_incidents(count: int) -> None:
    page = make_page(f"Acme {count}")
    components = [make_component(page, f"Service {i}") for i in range(count)]
    while worker.process_events("setup"):
        pass
    for component in components:
        lifecycle.create_incident(
            page, actor=SYSTEM, name=f"{component.name} down",
            components={component: "major_outage"},
        )  # fmt: skip


def queries_per_event(count: int) -> tuple[float, int]:
    open_incidents(count)
    pending = worker.pending_events().count()
    with CaptureQueriesContext(connection) as captured:
        while worker.process_events("w"):
            pass
    runs = [q for q in captured.captured_queries if 'FROM "status_handlerrun"' in q["sql"]]
    return len(captured) / pending, len(runs)


class TestABatchOfEvents:
    def test_its_handler_runs_are_read_once_and_written_without_a_read(self):
        _, run_reads = queries_per_event(10)
        assert run_reads == 1  # one batch: one read of its runs, none per event
        assert not worker.pending_events().exists()
        assert HandlerRun.objects.filter(done_at__isnull=True).count() == 0
        assert HandlerRun.objects.count() == Event.objects.count() * len(worker.event_handlers())

    def test_each_event_costs_the_same_whether_the_batch_holds_2_or_20(self):
        few, _ = queries_per_event(2)
        many, _ = queries_per_event(20)
        assert many <= few + 1, (few, many)
