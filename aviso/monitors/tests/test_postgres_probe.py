"""The PostgreSQL probe against real saturation: pg_sleep sessions in a database
with a small CONNECTION LIMIT on the server at 127.0.0.1:5432."""

from __future__ import annotations

import threading
import time

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.probes.postgres import time_to_exhaustion
from aviso.monitors.tests.pg import LimitedDatabase, requires_pg
from aviso.monitors.tests.test_probes import check

pytestmark = [pytest.mark.postgres, requires_pg]

CALM = {"longest_query_warn_s": 600, "longest_query_critical_s": 900, "exhaustion_warn_s": 1}


def wait_active(db: LimitedDatabase, count: int) -> None:
    deadline = time.monotonic() + 5
    while db.active_count() < count and time.monotonic() < deadline:
        time.sleep(0.05)


def wait_sessions(db: LimitedDatabase, count: int) -> None:
    deadline = time.monotonic() + 5
    while db.session_count() > count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def db():
    database = LimitedDatabase(limit=5)
    yield database
    database.drop()


class TestPostgresProbe:
    def test_it_follows_saturation_up_to_the_connection_limit(self, db):
        conf = {"dsn": db.dsn, **CALM}
        idle = check("postgres", conf)
        assert idle.status == CheckStatus.UP
        assert (idle.metrics["connections_used"], idle.metrics["connections_limit"]) == (1, 5)

        for _ in range(3):
            db.sleeper()
        wait_active(db, 3)
        warn = check("postgres", conf)  # 3 sleepers + the probe = 4/5 = 80 %
        assert warn.status == CheckStatus.DEGRADED
        assert "connections 4/5" in warn.message

        db.sleeper()
        wait_active(db, 4)
        critical = check("postgres", conf)  # 5/5
        assert critical.status == CheckStatus.DOWN
        assert critical.metrics["saturation"] == 1.0

        # The probe's own session ends on the server a moment after it disconnects;
        # until then a fifth sleeper would be the one refused.
        wait_sessions(db, 4)
        db.sleeper()  # the limit is reached: the probe itself is refused
        refused = check("postgres", conf)
        assert refused.status == CheckStatus.DOWN
        assert "too many connections" in refused.message

    def test_it_reports_the_longest_running_query(self, db):
        db.sleeper()
        wait_active(db, 1)
        time.sleep(1.2)
        outcome = check(
            "postgres", {"dsn": db.dsn, "longest_query_warn_s": 1, "longest_query_critical_s": 30}
        )
        assert outcome.status == CheckStatus.DEGRADED
        assert outcome.metrics["longest_query_s"] >= 1
        assert "longest query" in outcome.message

    def test_it_counts_idle_in_transaction_and_lock_waits(self, db):
        holder = db.connect()
        holder.execute("CREATE TABLE t (id int)")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE t")  # holder is now idle in transaction, holding a lock
        waiter = db.connect()
        blocked = threading.Thread(
            target=lambda: _try(waiter, "SELECT count(*) FROM t"), daemon=True
        )
        blocked.start()
        time.sleep(0.5)
        conf = {"dsn": db.dsn, **CALM, "connections_warn": 0.9, "connections_critical": 1}
        outcome = check(
            "postgres",
            {**conf, "idle_in_transaction_warn": 1, "waiting_on_locks_warn": 1,
             "waiting_on_locks_critical": 1},
        )  # fmt: skip
        holder.execute("ROLLBACK")
        blocked.join(5)
        assert outcome.metrics["idle_in_transaction"] == 1
        assert outcome.metrics["waiting_on_locks"] == 1
        assert outcome.status == CheckStatus.DOWN  # one lock wait is critical here

    def test_it_estimates_time_to_exhaustion_from_the_trend(self, db):
        conf = {"dsn": db.dsn, **CALM, "exhaustion_warn_s": 3600, "connections_warn": 0.95,
                "connections_critical": 1}  # fmt: skip
        state = None
        for sessions in range(3):
            while len(db.threads) < sessions:
                db.sleeper()
            wait_active(db, sessions)
            outcome = check("postgres", conf, probe_state=state)
            state = outcome.probe_state
            time.sleep(0.2)
        assert [s[1] for s in state["samples"]] == [1, 2, 3]
        assert outcome.metrics["exhaustion_s"] is not None
        assert outcome.status == CheckStatus.DEGRADED
        assert "exhausted in" in outcome.message


def _try(connection, sql):
    try:
        connection.execute(sql)
    except Exception:  # noqa: S110 - the test cares about the wait, not its end
        pass


class TestTimeToExhaustion:
    def test_it_extrapolates_a_rising_line(self):
        assert time_to_exhaustion([[0, 10], [60, 20], [120, 30]], limit=100) == pytest.approx(420)

    def test_it_has_no_estimate_for_flat_or_falling_use_or_few_samples(self):
        assert time_to_exhaustion([[0, 10], [60, 10], [120, 10]], limit=100) is None
        assert time_to_exhaustion([[0, 30], [60, 20], [120, 10]], limit=100) is None
        assert time_to_exhaustion([[0, 10], [60, 20]], limit=100) is None
