"""Dependencies: while a parent is down, its dependents' failures fold into its outage.

Real HTTP targets on 127.0.0.1 (the database and the bot platform that uses it),
checked by the real probes and decided by the real engine.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from aviso.detection import engine
from aviso.detection.models import Evidence, Outage
from aviso.detection.tests.helpers import check, make_monitor
from aviso.monitors import lifecycle as monitors
from aviso.monitors.tests.targets import HttpTarget
from aviso.status.choices import ComponentStatus, EventKind, IncidentStatus
from aviso.status.lifecycle import LifecycleError
from aviso.status.models import Component, Event, Incident
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_target():
    server = HttpTarget()
    yield server
    server.stop()


@pytest.fixture
def bot_target():
    server = HttpTarget()
    yield server
    server.stop()


def http(name, component, target, **fields):
    fields.setdefault("confirmations_down", 2)
    return make_monitor(name, "http", {"url": target.url + "/"}, component=component, **fields)


def status_of(component) -> str:
    return Component.objects.get(pk=component.pk).status


@pytest.fixture
def stack(db_target, bot_target):
    page = make_page()
    database = make_component(page, "Database")
    bots = make_component(page, "Bot platform")
    parent = http("database", database, db_target)
    child = http("bot platform", bots, bot_target, confirmations_down=1, depends_on=parent)
    return database, bots, parent, child


class TestFolding:
    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0)
    def test_it_folds_the_childs_failure_into_the_parents_incident(
        self, stack, db_target, bot_target
    ):
        database, bots, parent, child = stack
        check(parent)
        check(child)
        db_target.mode = bot_target.mode = "500"
        check(parent)  # the parent's first failure: not confirmed yet
        check(child)  # confirmed down at once, but it waits on its failing parent
        assert not Incident.objects.exists()
        assert not Outage.objects.filter(component=bots).exists()
        check(parent)  # the parent is confirmed down: one incident, the child folded in
        incident = Incident.objects.get()
        assert incident.name == "Database: outage"
        assert {c.name for c in incident.components.all()} == {"Database", "Bot platform"}
        assert status_of(bots) == ComponentStatus.MAJOR_OUTAGE
        outage = Outage.objects.get()
        assert outage.component == database
        assert set(Evidence.objects.values_list("monitor_name", flat=True)) == {
            "database",
            "bot platform",
        }
        check(child)  # still down while the parent is: no incident, outage or alert of its own
        check(parent)
        assert Incident.objects.count() == 1 and Outage.objects.count() == 1
        assert not Event.objects.filter(kind=EventKind.OPERATOR_ALERT).exists()

        db_target.mode = bot_target.mode = "ok"
        check(parent)
        check(child)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.MONITORING
        assert status_of(bots) == ComponentStatus.OPERATIONAL
        engine.sweep()
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        assert Incident.objects.count() == 1

    def test_a_child_failing_on_its_own_opens_its_own_incident(self, stack, bot_target):
        database, bots, parent, child = stack
        check(parent)
        bot_target.mode = "500"
        check(child)
        incident = Incident.objects.get()
        assert incident.name == "Bot platform: outage"
        assert [c.name for c in incident.components.all()] == ["Bot platform"]
        assert status_of(database) == ComponentStatus.OPERATIONAL

    def test_a_child_still_down_after_the_parent_recovers_gets_its_own_outage(
        self, stack, db_target, bot_target
    ):
        database, bots, parent, child = stack
        db_target.mode = bot_target.mode = "500"
        for _ in range(2):
            check(parent)
            check(child)
        assert Incident.objects.count() == 1
        db_target.mode = "ok"
        check(parent)
        check(child)
        assert Outage.objects.filter(component=bots, closed_at__isnull=True).exists()
        assert Incident.objects.count() == 2
        assert Incident.objects.filter(name="Bot platform: outage").exists()

    def test_a_grandchild_folds_into_the_furthest_ancestor_down(self, stack, db_target):
        database, bots, parent, child = stack
        web_target = HttpTarget()
        try:
            web = make_component(database.page, "Web")
            grandchild = http("web", web, web_target, confirmations_down=1, depends_on=child)
            db_target.mode = "500"
            web_target.mode = "500"
            check(parent)
            check(parent)
            check(grandchild)
            incident = Incident.objects.get()
            assert {c.name for c in incident.components.all()} == {"Database", "Web"}
            assert not Outage.objects.filter(component=web).exists()
        finally:
            web_target.stop()


class TestAlertsOnly:
    def test_with_auto_open_off_only_the_parents_component_alerts_naming_the_child(
        self, stack, db_target, bot_target
    ):
        from aviso.status.lifecycle import update_component
        from aviso.status.models import AuditEntry
        from aviso.testing import SYSTEM as system

        database, bots, parent, child = stack
        update_component(database, actor=system, auto_open=False)
        check(parent)
        check(child)
        db_target.mode = bot_target.mode = "500"
        for _ in range(3):
            check(parent)
            check(child)
        assert not Incident.objects.exists()
        alerts = list(AuditEntry.objects.filter(action="detection.alert"))
        assert alerts and {a.after["component"] for a in alerts} == {database.code}
        details = " ".join(a.after["detail"] for a in alerts)
        assert "database is down" in details and "bot platform is down" in details
        events = Event.objects.filter(kind=EventKind.OPERATOR_ALERT)
        assert set(events.values_list("component_id", flat=True)) == {database.pk}
        assert not Outage.objects.filter(component=bots).exists()


class TestDependencyRules:
    def test_it_refuses_a_loop_itself_and_a_stranger(self, stack):
        database, bots, parent, child = stack
        with pytest.raises(LifecycleError) as error:
            monitors.update_monitor(parent, actor=SYSTEM, depends_on=child)
        assert "loop" in error.value.errors["depends_on"]
        with pytest.raises(LifecycleError) as error:
            monitors.update_monitor(parent, actor=SYSTEM, depends_on=parent)
        assert "itself" in error.value.errors["depends_on"]
        with pytest.raises(LifecycleError) as error:
            monitors.update_monitor(parent, actor=SYSTEM, depends_on=database)
        assert error.value.errors["depends_on"] == "Not a monitor."

    def test_it_refuses_chains_longer_than_the_limit(self):
        chain = [make_monitor("m0")]
        for i in range(1, 5):
            chain.append(make_monitor(f"m{i}", depends_on=chain[-1]))
        with pytest.raises(LifecycleError) as error:
            make_monitor("m5", depends_on=chain[-1])
        assert "at most 5" in error.value.errors["depends_on"]

    def test_the_audit_entry_names_the_parent_and_deleting_it_frees_the_child(self, stack):
        database, bots, parent, child = stack
        from aviso.status.models import AuditEntry

        entry = AuditEntry.objects.filter(action="monitor.create").order_by("-id").first()
        assert entry.after["depends_on"] == parent.pk
        monitors.delete_monitor(parent, actor=SYSTEM)
        child.refresh_from_db()
        assert child.depends_on_id is None
