"""Detection decisions, driven by real probes against real local targets."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings

from aviso.detection import engine
from aviso.detection.models import Evidence, Outage, Watch
from aviso.detection.tests.helpers import check, make_monitor
from aviso.monitors.tests.targets import HttpTarget
from aviso.status import lifecycle
from aviso.status.choices import ActorKind, ComponentStatus, EventKind, IncidentStatus
from aviso.status.models import AuditEntry, Component, Event, Incident
from aviso.status.timeline import incident_timeline
from aviso.testing import SYSTEM, make_component, make_page, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def target():
    server = HttpTarget()
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens: connections are refused
    return port


def http_monitor(component, url, name="API health", **fields):
    fields.setdefault("confirmations_down", 2)
    fields.setdefault("confirmations_up", 1)
    return make_monitor(name, "http", {"url": url + "/"}, component=component, **fields)


def status_of(component) -> str:
    return Component.objects.get(pk=component.pk).status


class TestOpeningAndResolving:
    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0)
    def test_it_opens_after_confirmations_then_monitors_then_resolves(self, target):
        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url)
        check(monitor)
        target.mode = "500"
        check(monitor)
        assert not Incident.objects.exists()  # one failure is not confirmed
        check(monitor)
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.INVESTIGATING
        assert incident.opened_by_kind == ActorKind.AUTOMATION
        assert incident.name == "API: outage"
        first = incident.updates.get()
        # The public words name the component only; the check's message is the operators'.
        assert "may be affecting API" in first.body and "500" not in first.body
        detail = Event.objects.get(incident_update=first).payload["detail"]
        assert "API health is down" in detail and "500" in detail
        assert first.actor_label == "automation: detection"
        assert status_of(component) == ComponentStatus.MAJOR_OUTAGE
        assert incident.impact == "critical"
        target.mode = "ok"
        check(monitor)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.MONITORING
        assert status_of(component) == ComponentStatus.OPERATIONAL
        engine.sweep()
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        assert Outage.objects.get().closed_at is not None
        kinds = [e.text.split(":")[0] for e in incident_timeline(incident)]
        assert "First failure" in kinds and "Confirmed" in kinds
        assert AuditEntry.objects.filter(actor_kind=ActorKind.AUTOMATION).count() >= 3

    def test_it_waits_for_the_stable_period_before_resolving(self, target):
        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        target.mode = "500"
        check(monitor)
        target.mode = "ok"
        check(monitor)
        engine.sweep()  # the default stable period is five minutes
        assert Incident.objects.get().status == IncidentStatus.MONITORING

    def test_the_workers_sweep_resolves_without_another_check(self, target):
        from aviso.detection import engine as engine_module
        from aviso.status.worker import run_once

        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        target.mode = "500"
        check(monitor)
        target.mode = "ok"
        check(monitor)
        engine_module._last_sweep = 0.0
        with override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0):
            run_once("tests")
        assert Incident.objects.get().status == IncidentStatus.RESOLVED

    def test_it_reopens_investigation_when_the_problem_returns_while_monitoring(self, target):
        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        for mode in ("500", "ok", "500"):
            target.mode = mode
            check(monitor)
        incident = Incident.objects.get()
        assert [u.status for u in incident.updates.order_by("display_at", "id")] == [
            "investigating", "monitoring", "investigating",
        ]  # fmt: skip
        assert Outage.objects.count() == 1

    def test_a_watch_can_map_down_to_partial_outage(self, target):
        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        Watch.objects.create(monitor=monitor, down_status=ComponentStatus.PARTIAL_OUTAGE)
        check(monitor)
        target.mode = "500"
        check(monitor)
        assert status_of(component) == ComponentStatus.PARTIAL_OUTAGE
        assert Incident.objects.get().impact == "major"


class TestDegraded:
    def test_degraded_shows_on_the_component_and_only_down_opens_an_incident(self, target):
        component = make_component(make_page(), "API")
        monitor = make_monitor(
            "API health", "http", {"url": target.url + "/", "degraded_latency_ms": 800},
            component=component, confirmations_down=1, timeout_seconds=3,
        )  # fmt: skip
        check(monitor)
        target.mode, target.slow_seconds = "slow", 1.2
        assert check(monitor)[0].status == "degraded"
        assert status_of(component) == ComponentStatus.DEGRADED_PERFORMANCE
        assert not Incident.objects.exists()
        target.mode = "500"
        check(monitor)
        incident = Incident.objects.get()
        assert status_of(component) == ComponentStatus.MAJOR_OUTAGE
        assert Outage.objects.count() == 1 and incident.outages.count() == 1

    def test_degraded_alone_goes_back_to_operational(self, target):
        component = make_component(make_page(), "API")
        monitor = make_monitor(
            "API health", "http", {"url": target.url + "/", "degraded_latency_ms": 800},
            component=component, confirmations_down=1, timeout_seconds=3,
        )  # fmt: skip
        check(monitor)
        target.mode, target.slow_seconds = "slow", 1.2
        check(monitor)
        target.mode = "ok"
        check(monitor)
        assert status_of(component) == ComponentStatus.OPERATIONAL
        assert not Incident.objects.exists()


class TestOneIncidentPerOutage:
    @override_settings(DETECTION_ONGOING_UPDATE_SECONDS=0)
    def test_two_monitors_of_one_component_make_one_incident_with_two_evidence_entries(
        self, target
    ):
        component = make_component(make_page(), "API")
        a = http_monitor(component, target.url, "API health", confirmations_down=1)
        b = http_monitor(component, target.url, "API login", confirmations_down=1)
        check(a)
        check(b)
        target.mode = "500"
        check(a)
        check(b)
        incident = Incident.objects.get()
        assert Evidence.objects.filter(outage__incident=incident).count() == 2
        updates = list(incident.updates.order_by("display_at", "id"))
        assert len(updates) == 2 and "API login" not in updates[1].body
        event = Event.objects.get(incident_update=updates[1])
        assert "API login is down" in event.payload["detail"]
        detected = [e for e in incident_timeline(incident) if e.text.startswith("Confirmed")]
        assert len(detected) == 2


    def test_more_failing_checks_make_at_most_one_quiet_update_a_minute(self, target):
        component = make_component(make_page(), "API")
        monitors = [
            http_monitor(component, target.url, f"API check {i}", confirmations_down=1)
            for i in range(5)
        ]
        for monitor in monitors:
            check(monitor)
        target.mode = "500"
        for monitor in monitors:  # one after another, as in a broad outage
            check(monitor)
        incident = Incident.objects.get()
        assert Evidence.objects.filter(outage__incident=incident).count() == 5
        assert incident.updates.count() == 1  # the opening; the others came within the minute
        with override_settings(DETECTION_ONGOING_UPDATE_SECONDS=0):
            late = http_monitor(component, target.url, "API late", confirmations_down=1)
            check(late)
        ongoing = incident.updates.order_by("display_at", "id").last()
        assert incident.updates.count() == 2 and not ongoing.deliver_notifications
        assert Event.objects.get(incident_update=ongoing).notify is False


class TestTheInstanceStarting:
    """A monitor of Aviso's own address fails while Aviso restarts: no public incident."""

    def test_its_own_checks_failing_at_start_open_nothing_until_the_grace_is_over(self, target):
        component = make_component(make_page(), "Console & API")
        own = http_monitor(component, target.url, "Our /healthz", confirmations_down=1)
        check(own)
        target.mode = "500"
        with override_settings(BASE_URL=target.url, DETECTION_SELF_START_GRACE_SECONDS=3600):
            check(own)  # this process started within the hour: the instance is starting
            assert not Incident.objects.exists() and not Outage.objects.exists()
            assert status_of(component) == ComponentStatus.OPERATIONAL
        with override_settings(BASE_URL=target.url, DETECTION_SELF_START_GRACE_SECONDS=0):
            check(own)  # still failing after the grace: an outage like any other
        assert Incident.objects.count() == 1

    def test_aviso_up_restarting_its_web_child_counts_as_starting(self, monkeypatch):
        import json
        import os
        import time

        from django.utils import timezone

        from aviso.detection import starting
        from aviso.status.supervisor import supervisor_state_path

        monkeypatch.setattr(starting, "PROCESS_STARTED", time.monotonic() - 10_000)
        path = supervisor_state_path()
        path.parent.mkdir(parents=True, exist_ok=True)

        def web(**child) -> bool:
            state = {"pid": 1, "updated_at": timezone.now().isoformat(), "children": {"web": child}}
            path.write_text(json.dumps(state))
            return starting.instance_starting()

        try:
            assert web(state="restarting", pid=None, restarts=1)
            assert web(state="running", pid=os.getpid(), restarts=0) is (
                starting._age_of(os.getpid()) < starting.grace()
            )
            if starting._age_of(1) > starting.grace():  # init, up for long (not a new container)
                assert not web(state="running", pid=1, restarts=0)
        finally:
            path.unlink()
        assert not starting.instance_starting()  # no aviso up: only this process counts

    def test_another_services_check_is_not_held_back(self, target):
        component = make_component(make_page(), "API")
        other = http_monitor(component, target.url, "API health", confirmations_down=1)
        check(other)
        target.mode = "500"
        elsewhere = {"BASE_URL": "http://127.0.0.1:1", "DETECTION_SELF_START_GRACE_SECONDS": 3600}
        with override_settings(**elsewhere):
            check(other)
        assert Incident.objects.count() == 1


class TestFlapping:
    def test_a_target_flipping_every_check_opens_one_incident_and_never_resolves(self, target):
        component = make_component(make_page(), "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        for i in range(12):
            target.mode = "500" if i % 2 == 0 else "ok"
            check(monitor)
            engine.sweep()
        incident = Incident.objects.get()
        assert incident.status == IncidentStatus.INVESTIGATING
        statuses = list(incident.updates.values_list("status", flat=True))
        assert "resolved" not in statuses
        assert len(statuses) <= 3, statuses  # damped: not one update per flip
        assert Watch.objects.get(monitor=monitor).flapping


class TestRegions:
    def _monitor(self, component, url):
        return http_monitor(
            component, url, regions=["eu", "us", "ap"], confirmations_down=1, interval_seconds=60
        )

    def test_one_region_down_opens_nothing_and_two_do(self, target, closed_port):
        component = make_component(make_page(), "API")
        monitor = self._monitor(component, target.url)
        refused = http_monitor(None, f"http://127.0.0.1:{closed_port}", "probe of eu")
        down = check(refused)[0]
        assert down.status == "down"

        def round_(bad_regions):
            for region in ("eu", "us", "ap"):
                outcome = None
                if region in bad_regions:  # that region's network cannot reach the target
                    outcome = check(refused)[0]
                    outcome = _outcome(outcome)
                check(monitor, region=region, outcome=outcome)

        round_(set())
        round_({"eu"})
        round_({"eu"})
        assert not Incident.objects.exists()
        assert status_of(component) == ComponentStatus.OPERATIONAL
        round_({"eu", "us"})
        incident = Incident.objects.get()
        evidence = Evidence.objects.get(outage__incident=incident)
        assert evidence.regions == ["eu", "us"]

    def test_each_region_checks_every_interval_and_the_majority_decides(self, target):
        """Three checkers (eu, us, ap) each claim their own slot of the monitor every
        interval and run the real probe; the target fails only for the regions in
        ``failing`` (the mode is flipped before each region's check)."""
        import asyncio
        import datetime as dt

        from aviso.monitors import store
        from aviso.monitors.models import Result
        from aviso.monitors.probes import ProbeContext, run_probe

        component = make_component(make_page(), "API")
        monitor = self._monitor(component, target.url)
        rounds = 0

        def interval(failing):
            nonlocal rounds
            rounds += 1
            for region in ("eu", "us", "ap"):
                # The slots' schedule, not the test, says when each region is due:
                # look one more interval ahead each round.
                until = engine.timezone.now() + dt.timedelta(seconds=61 * rounds)
                jobs, _ = store.claim_due(
                    f"checker-{region}", until=until, lease=dt.timedelta(seconds=30),
                    batch=10, region=region,
                )  # fmt: skip
                assert [(j.target.id, j.region) for j in jobs] == [(monitor.id, region)]
                target.mode = "500" if region in failing else "ok"
                outcome = asyncio.run(run_probe(jobs[0].target, ProbeContext(block_private=False)))
                now = engine.timezone.now()
                done = store.Done(jobs[0], now, outcome, jobs[0].due_at + dt.timedelta(seconds=60))
                engine.on_observations(store.save_results(f"checker-{region}", [done]))
            for region in ("eu", "us", "ap"):
                assert Result.objects.filter(monitor=monitor, region=region).count() == rounds

        interval(set())
        interval({"ap"})
        interval({"ap"})
        assert not Incident.objects.exists()
        assert status_of(component) == ComponentStatus.OPERATIONAL
        interval({"ap", "us"})
        incident = Incident.objects.get()
        assert Evidence.objects.get(outage__incident=incident).regions == ["ap", "us"]


class TestQuorum:
    def test_a_region_not_heard_from_for_three_intervals_does_not_count(self, target):
        import datetime as dt

        from aviso.detection.models import RegionState

        component = make_component(make_page(), "API")
        monitor = http_monitor(
            component, target.url, regions=["eu", "us", "ap"], confirmations_down=1
        )
        target.mode = "500"
        check(monitor, region="eu")
        RegionState.objects.filter(region="eu").update(
            checked_at=engine.timezone.now() - dt.timedelta(seconds=3 * 60 + 1)
        )
        check(monitor, region="us")
        assert not Incident.objects.exists()  # eu's old "down" is no longer a vote
        check(monitor, region="ap")
        assert Incident.objects.exists()


def _outcome(observation):
    from aviso.monitors.probes import Outcome

    return Outcome(observation.status, observation.latency_ms, observation.message)


class TestPeopleWin:
    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0)
    def test_a_persons_component_status_stays_until_the_incident_resolves(self, target):
        component = make_component(make_page(), "API")
        a = http_monitor(component, target.url, "API health", confirmations_down=1)
        check(a)
        target.mode = "500"
        check(a)
        incident = Incident.objects.get()
        person = lifecycle.Actor.person(make_user("alice"))
        lifecycle.post_update(
            incident, actor=person, status="identified",
            components={component: ComponentStatus.PARTIAL_OUTAGE},
        )  # fmt: skip
        b = http_monitor(component, target.url, "API login", confirmations_down=1)
        check(b)  # another monitor of the outage fails: an update, component untouched
        assert status_of(component) == ComponentStatus.PARTIAL_OUTAGE
        target.mode = "ok"
        check(a)
        check(b)  # monitoring: automation would say operational, the person's choice stays
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.MONITORING
        assert status_of(component) == ComponentStatus.PARTIAL_OUTAGE
        engine.sweep()
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.RESOLVED
        assert status_of(component) == ComponentStatus.OPERATIONAL


class TestSwitchesAndMaintenance:
    def test_auto_open_off_only_alerts_operators(self, target):
        page = make_page()
        component = make_component(page, "API")
        lifecycle.update_component(component, actor=SYSTEM, auto_open=False)
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        target.mode = "500"
        check(monitor)
        check(monitor)
        assert not Incident.objects.exists()
        assert status_of(component) == ComponentStatus.OPERATIONAL
        alerts = AuditEntry.objects.filter(action="detection.alert")
        assert alerts.count() == 1 and "API health is down" in str(alerts.get().after)
        # The operators' alert channels hear of it through an operators-only event.
        event = Event.objects.get(kind=EventKind.OPERATOR_ALERT)
        assert event.notify is False and event.component_id == component.pk
        assert event.payload["component_changes"][0]["new_status"] == "major_outage"

    @override_settings(DETECTION_RESOLVE_AFTER_SECONDS=0)
    def test_auto_resolve_off_leaves_the_incident_to_people(self, target):
        component = make_component(make_page(), "API")
        lifecycle.update_component(component, actor=SYSTEM, auto_resolve=False)
        monitor = http_monitor(component, target.url, confirmations_down=1)
        check(monitor)
        target.mode = "500"
        check(monitor)
        target.mode = "ok"
        check(monitor)
        engine.sweep()
        assert Incident.objects.get().status == IncidentStatus.INVESTIGATING
        assert AuditEntry.objects.filter(action="detection.recovered").count() == 1
        recovered = Event.objects.filter(kind=EventKind.OPERATOR_ALERT).latest("id")
        assert recovered.payload["component_changes"][0]["new_status"] == "operational"
        target.mode = "500"
        check(monitor)  # the next outage joins the incident nobody resolved
        assert Incident.objects.count() == 1

    def test_a_maintenance_window_silences_detection(self, target):
        import datetime as dt

        from django.utils import timezone

        page = make_page()
        component = make_component(page, "API")
        monitor = http_monitor(component, target.url, confirmations_down=1)
        maintenance = lifecycle.schedule_maintenance(
            page, actor=SYSTEM, name="Upgrade", scheduled_for=timezone.now(),
            scheduled_until=timezone.now() + dt.timedelta(hours=1), components=[component],
        )  # fmt: skip
        lifecycle.start_maintenance(maintenance, actor=SYSTEM)
        check(monitor)
        target.mode = "500"
        check(monitor)
        check(monitor)
        assert not Incident.objects.exists() and not Outage.objects.exists()
        assert status_of(component) == ComponentStatus.UNDER_MAINTENANCE
