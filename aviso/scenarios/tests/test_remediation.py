"""Opt-in remediation against a real PostgreSQL: dry run by default, terminate on
request, audited either way, and bad requests refused before touching anything."""

from __future__ import annotations

import time

import psycopg
import pytest

from aviso.monitors.models import Monitor
from aviso.scenarios.pg import ADMIN_DSN, LimitedDatabase, pg_available
from aviso.scenarios.remediation import terminate_long_sessions
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.models import AuditEntry
from aviso.testing import make_component, make_page

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(not pg_available(), reason="no PostgreSQL at 127.0.0.1:5432"),
]

ACTOR = Actor.automation("remediation")


@pytest.fixture
def database():
    db = LimitedDatabase(limit=5)
    yield db
    db.drop()


@pytest.fixture
def monitor(database):
    component = make_component(make_page(), "WhatsApp Messaging Service")
    return Monitor.objects.create(
        name="Messaging database", kind="postgres", config={"dsn": database.dsn},
        component=component,
    )  # fmt: skip


def active(database) -> int:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state = 'active'",
            [database.name],
        ).fetchone()[0]


def remedy(db, **extra) -> dict:
    return {
        "dsn": ADMIN_DSN, "database": db.name, "roles": [db.name],
        "older_than_s": 0.3, "actor": ACTOR, **extra,
    }  # fmt: skip


def wait_active(database, count: int) -> None:
    deadline = time.monotonic() + 10
    while active(database) != count:
        assert time.monotonic() < deadline, f"never {count} active sessions"
        time.sleep(0.05)


class TestTerminateLongSessions:
    def test_it_only_lists_and_audits_on_a_dry_run(self, database, monitor):
        for _ in range(3):
            database.sleeper(60)
        wait_active(database, 3)
        time.sleep(0.4)
        report = terminate_long_sessions(monitor, **remedy(database))
        assert not report.applied and report.terminated == []
        assert len(report.sessions) == 3
        assert {s.role for s in report.sessions} == {database.name}
        assert active(database) == 3  # nothing ended
        entry = AuditEntry.objects.get(action="remediation.dry_run")
        assert entry.object_id == str(monitor.pk) and entry.page == monitor.component.page
        assert len(entry.before["sessions"]) == 3 and entry.after is None

    def test_it_terminates_only_sessions_over_the_limit_when_applied(self, database, monitor):
        for _ in range(2):
            database.sleeper(60)
        wait_active(database, 2)
        report = terminate_long_sessions(monitor, **remedy(database, older_than_s=30), apply=True)
        assert report.sessions == [] and report.terminated == []  # none that old yet
        time.sleep(0.4)
        report = terminate_long_sessions(monitor, **remedy(database), apply=True)
        assert len(report.terminated) == 2
        wait_active(database, 0)
        entries = AuditEntry.objects.filter(action="remediation.terminate").order_by("id")
        assert [len(e.after["terminated"]) for e in entries] == [0, 2]

    def test_it_leaves_other_roles_alone(self, database, monitor):
        database.sleeper(60)
        wait_active(database, 1)
        time.sleep(0.4)
        report = terminate_long_sessions(
            monitor, **remedy(database, roles=["someone_else"]), apply=True
        )
        assert report.terminated == [] and active(database) == 1

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"roles": []}, "roles"),
            ({"roles": ["x; DROP ROLE postgres"]}, "roles"),
            ({"older_than_s": 0}, "older_than_s"),
            ({"older_than_s": -5}, "older_than_s"),
            ({"database": ""}, "database"),
        ],
    )
    def test_it_refuses_bad_requests_before_touching_anything(
        self, database, monitor, change, field
    ):
        database.sleeper(60)
        wait_active(database, 1)
        with pytest.raises(LifecycleError) as refused:
            terminate_long_sessions(monitor, **remedy(database, **change), apply=True)
        assert field in refused.value.errors
        assert active(database) == 1
        assert not AuditEntry.objects.filter(action__startswith="remediation.").exists()
