"""Claiming outbox rows: an idle poll leaves SQLite's one write lock alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aviso.status import lifecycle
from aviso.status.claims import claim
from aviso.status.worker import pending_events
from aviso.testing import SYSTEM, make_page

pytestmark = pytest.mark.django_db
LEASE = dt.timedelta(seconds=60)


class TestClaim:
    def test_an_idle_claim_on_sqlite_is_one_read_and_takes_no_write_lock(self):
        if connection.vendor != "sqlite":
            pytest.skip("SQLite only: a PostgreSQL claim locks rows, not the database")
        make_page()
        pending_events().update(handled_at=dt.datetime.now(dt.UTC))
        with CaptureQueriesContext(connection) as queries:
            assert claim(pending_events(), worker="w", lease=LEASE, batch=50) == []
        # No BEGIN IMMEDIATE (or savepoint), no UPDATE: the checker keeps the lock.
        assert [q["sql"].split()[0].upper() for q in queries.captured_queries] == ["SELECT"]

    def test_a_claim_with_work_waiting_takes_it(self):
        page = make_page()
        pending_events().update(handled_at=dt.datetime.now(dt.UTC))
        lifecycle.create_incident(page, actor=SYSTEM, name="Database down")
        claimed = claim(pending_events(), worker="w", lease=LEASE, batch=50)
        assert claimed and {e.claimed_by for e in claimed} == {"w"}
        assert claim(pending_events(), worker="v", lease=LEASE, batch=50) == []
