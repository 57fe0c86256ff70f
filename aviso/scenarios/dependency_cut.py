"""May 19: a "hardening" change closes the integrations backend's port; the
workflow service that depends on it over TCP fails its health check; "Workflows &
Integrations" goes to partial outage and an incident opens by itself; operators
hear of it on Slack, subscribers by email; the port comes back; monitoring,
resolved."""

from __future__ import annotations

from django.utils import timezone

from aviso.detection.models import Watch
from aviso.monitors.models import Monitor
from aviso.notify.models import Channel, Subscriber
from aviso.scenarios.harness import Harness
from aviso.scenarios.outcome import Outcome, notices_per_subscriber
from aviso.scenarios.services import DependencyService, LoopThread, WorkflowService
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus, IncidentStatus
from aviso.status.models import Component, Incident

ACTOR = lifecycle.Actor.system("scenario")
COMPONENT = "Workflows & Integrations"
SUBSCRIBERS = ["ana@example.org", "luis@example.org"]


def run(harness: Harness) -> Outcome:
    loops = LoopThread()
    dependency = DependencyService(loops)
    service = WorkflowService(loops, dependency.port)
    try:
        return _run(harness, dependency, service)
    finally:
        if dependency.server is not None:
            dependency.close()
        service.stop()
        loops.stop()


def _run(harness: Harness, dependency: DependencyService, service: WorkflowService) -> Outcome:
    timeline, wait = harness.timeline, harness.wait_for
    page = lifecycle.create_page(actor=ACTOR, name="Jelou", time_zone="UTC")
    group = lifecycle.create_group(page, actor=ACTOR, name="Platform")
    component = lifecycle.create_component(page, actor=ACTOR, name=COMPONENT, group=group)
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(page=page, kind="email", address=a, confirmed_at=now) for a in SUBSCRIBERS
    )
    Channel.objects.create(
        page=page, name="#ops", kind="slack", config={"url": harness.slack.url("/slack")}
    )
    # Monitors' own validation keeps intervals at 10 s or more; a scenario writes a
    # 1-s interval straight into the row (the checker honours whatever the row says).
    monitor = Monitor.objects.create(
        name="Workflow service health", kind="http", config={"url": service.url},
        component=component, interval_seconds=1, timeout_seconds=1,
        confirmations_down=2, confirmations_up=1, next_due_at=now,
    )  # fmt: skip
    Watch.objects.create(monitor=monitor, down_status=ComponentStatus.PARTIAL_OUTAGE)
    timeline.mark("services up", f"workflow :{service.port} -> backend :{dependency.port}")
    harness.start()

    wait("monitor up", lambda: Monitor.objects.filter(pk=monitor.pk, state="up").exists(), 15)
    timeline.mark("monitor up", "health check passes")

    dependency.close()
    timeline.mark("backend port closed", f"nothing listens on :{dependency.port}")

    watch = wait("first failure", lambda: Watch.objects.filter(
        monitor=monitor, failing_since__isnull=False).first(), 15)  # fmt: skip
    timeline.mark("first failed check", watch.failing_message[:80], at=watch.failing_since)

    incident = wait("incident opened", lambda: Incident.objects.filter(page=page).first(), 20)
    timeline.mark("incident opened", incident.name, at=incident.created_at)
    status = Component.objects.get(pk=component.pk).status
    timeline.mark("component status", status)

    wait("Slack alert", harness.slack_messages, 20)
    timeline.mark("operator alert on Slack", "#ops")
    wait("subscriber email", lambda: len(harness.smtp.per_recipient()) == len(SUBSCRIBERS), 20)
    timeline.mark("subscribers emailed", f"{len(SUBSCRIBERS)} subscribers")

    dependency.reopen()
    timeline.mark("backend port reopened", f":{dependency.port}")

    def status_is(wanted: str):
        return lambda: Incident.objects.filter(pk=incident.pk, status=wanted).first()

    monitoring = wait("monitoring", status_is(IncidentStatus.MONITORING), 20)
    timeline.mark("incident monitoring", at=monitoring.monitoring_at)
    resolved = wait("resolved", status_is(IncidentStatus.RESOLVED), 20 + harness.resolve_after)
    timeline.mark("incident resolved", at=resolved.resolved_at)

    expected, per_subscriber = wait(
        "every notice delivered", lambda: notices_per_subscriber(harness, incident, SUBSCRIBERS), 20
    )
    timeline.mark("notices delivered", f"{expected} notices to each subscriber")
    return Outcome(
        scenario="dependency-cut",
        title="dependency-cut (May 19): Workflows & Integrations loses its backend",
        incident=resolved,
        status_during=status,
        notices_expected=expected,
        notices_per_subscriber=per_subscriber,
        slack_messages=len(harness.slack_messages()),
        durations={
            "time to detect": timeline.seconds("backend port closed", "incident opened"),
            "time to alert operators": timeline.seconds(
                "backend port closed", "operator alert on Slack"
            ),
            "time to notify subscribers": timeline.seconds(
                "backend port closed", "subscribers emailed"
            ),
            "time to recover (monitoring)": timeline.seconds(
                "backend port reopened", "incident monitoring"
            ),
            "time to resolve": timeline.seconds("backend port closed", "incident resolved"),
        },
    )
