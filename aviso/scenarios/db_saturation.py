"""June 30: costly long-running sessions fill a database's connections. The
PostgreSQL monitor warns on the trend (time to exhaustion) before the database
refuses anyone, goes critical when it is full, the messaging service in front
of it fails its health check, and one incident opens by itself on
"WhatsApp Messaging Service"; operators hear of it on Slack, subscribers by
email; Aviso's opt-in remediation (aviso/scenarios/remediation.py) lists, then
terminates, the long-running sessions, audited; recovery,
monitoring, resolved; a postmortem draft with the seed's sections and the
measured timeline."""

from __future__ import annotations

import threading

import psycopg
from django.utils import timezone

from aviso.monitors.models import Monitor
from aviso.notify.models import Channel, Subscriber
from aviso.scenarios.harness import Harness, Step
from aviso.scenarios.outcome import Outcome, notices_per_subscriber
from aviso.scenarios.pg import ADMIN_DSN, LimitedDatabase
from aviso.scenarios.remediation import terminate_long_sessions
from aviso.scenarios.services import DatabaseBackedService, LoopThread
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus, IncidentStatus
from aviso.status.lifecycle.postmortems import SECTIONS
from aviso.status.models import AuditEntry, Component, Incident
from aviso.status.timeline import incident_timeline, timeline_markdown

ACTOR = lifecycle.Actor.system("scenario")
REMEDIATION = lifecycle.Actor.automation("remediation: long PostgreSQL sessions")
COMPONENT = "WhatsApp Messaging Service"
SUBSCRIBERS = ["ana@example.org", "luis@example.org"]
LIMIT = 10
RAMP_SECONDS = 1.0  # one more long-running session a second, as in June's climb


class Ramp:
    """Adds a ``pg_sleep`` session every ``RAMP_SECONDS`` until the database refuses
    one (the first refusal is what the warning must come before) or ``stop()``."""

    def __init__(self, database: LimitedDatabase) -> None:
        self.database = database
        self.refused_at = None
        self.refusal = ""
        self.opened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._go, daemon=True)

    def _go(self) -> None:
        while not self.stopping.is_set() and self.opened < LIMIT * 2:
            try:
                self.database.sleeper(120)
                self.opened += 1
            except psycopg.OperationalError as error:
                self.refused_at = timezone.now()
                self.refusal = str(error).strip().splitlines()[-1][:120]
                return
            self.stopping.wait(RAMP_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def run(harness: Harness) -> Outcome:
    database = LimitedDatabase(LIMIT)
    ramp = Ramp(database)
    loops = LoopThread()
    service = DatabaseBackedService(loops, database.dsn)
    try:
        return _run(harness, database, ramp, service)
    finally:
        ramp.stop()
        service.stop()
        loops.stop()
        database.drop()


def _run(
    harness: Harness, database: LimitedDatabase, ramp: Ramp, service: DatabaseBackedService
) -> Outcome:
    timeline, wait = harness.timeline, harness.wait_for
    page = lifecycle.create_page(actor=ACTOR, name="Jelou", time_zone="UTC")
    group = lifecycle.create_group(page, actor=ACTOR, name="Messaging Channels")
    component = lifecycle.create_component(page, actor=ACTOR, name=COMPONENT, group=group)
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(page=page, kind="email", address=a, confirmed_at=now) for a in SUBSCRIBERS
    )
    Channel.objects.create(
        page=page, name="#ops", kind="slack", config={"url": harness.slack.url("/slack")}
    )
    # A 1-s interval written straight into the row (monitors validate >= 10 s). The
    # trend warning (exhaustion within 30 s on the line through the last 5 s) is what must fire
    # first; the connection thresholds only at a full database.
    monitor = Monitor.objects.create(
        name="Messaging database", kind="postgres",
        config={
            "dsn": database.dsn, "connections_warn": 0.95, "connections_critical": 1.0,
            "exhaustion_warn_s": 30, "trend_window_s": 5,
            "longest_query_warn_s": 600, "longest_query_critical_s": 900,
        },
        component=component, interval_seconds=1, timeout_seconds=3,
        confirmations_down=2, confirmations_up=1, next_due_at=now,
    )  # fmt: skip
    health = Monitor.objects.create(
        name="Messaging service health", kind="http", config={"url": service.url},
        component=component, interval_seconds=1, timeout_seconds=3,
        confirmations_down=2, confirmations_up=1, next_due_at=now,
    )  # fmt: skip
    timeline.mark("database up", f"{database.name}, CONNECTION LIMIT {LIMIT}")
    harness.start()

    both = Monitor.objects.filter(pk__in=[monitor.pk, health.pk], state="up")
    wait("monitors up", lambda: both.count() == 2, 15)
    timeline.mark("monitors up", "database and messaging service")
    ramp.thread.start()
    began = timeline.mark("long-running sessions start", f"one more every {RAMP_SECONDS:.0f} s").at
    # Only results of checks after the load began: the PostgreSQL server is shared,
    # and others' connections may have moved the trend before.
    results = monitor.results.filter(due_at__gte=began)

    warning = wait("first warning", lambda: results.filter(
        status="degraded").order_by("checked_at").first(), 30)  # fmt: skip
    timeline.mark("first warning", warning.message[:80], at=warning.checked_at)
    wait("degraded", lambda: Component.objects.filter(
        pk=component.pk, status=ComponentStatus.DEGRADED_PERFORMANCE).exists(), 20)  # fmt: skip
    timeline.mark("component degraded_performance", "set by detection")
    wait("operator alert", harness.slack_messages, 20)
    timeline.mark("first operator alert on Slack", "#ops")

    critical = wait("critical", lambda: results.filter(
        status="down").order_by("checked_at").first(), 40)  # fmt: skip
    wait("first refusal", lambda: ramp.refused_at, 20)
    failing = wait("service failing", lambda: health.results.filter(due_at__gte=began,
        status="down").order_by("checked_at").first(), 20)  # fmt: skip
    timeline.mark("messaging service failing", failing.message[:80], at=failing.checked_at)
    # Whoever the database turned away first: the load, the service or the monitor.
    turned_away = results.filter(status="down", message__startswith="cannot connect")
    first_turned_away = turned_away.order_by("checked_at").first()
    refusals = [ramp.refused_at, failing.checked_at]
    refusals += [first_turned_away.checked_at] if first_turned_away else []
    refused_at = min(refusals)
    timeline.mark("first connection refused", f"{ramp.opened} sessions held", at=refused_at)
    timeline.mark("critical", critical.message[:80], at=critical.checked_at)
    incident = wait("incident opened", lambda: Incident.objects.filter(page=page).first(), 20)
    timeline.mark("incident opened", incident.name, at=incident.created_at)
    status_during = Component.objects.get(pk=component.pk).status
    wait("subscriber email", lambda: len(harness.smtp.per_recipient()) == len(SUBSCRIBERS), 20)
    timeline.mark("subscribers emailed", f"{len(SUBSCRIBERS)} subscribers")

    ramp.stop()
    # Aviso's opt-in remediation: dry run first (what it would end), then applied.
    # It connects as a superuser: the database is full for everyone else.
    remedy = {
        "dsn": ADMIN_DSN, "database": database.name, "roles": [database.name],
        "older_than_s": 0.5, "actor": REMEDIATION,
    }  # fmt: skip
    dry = terminate_long_sessions(monitor, **remedy)
    timeline.mark("remediation dry run", f"{len(dry.sessions)} sessions over 0.5 s, audited")
    applied = terminate_long_sessions(monitor, **remedy, apply=True)
    terminated = len(applied.terminated)
    timeline.mark("remediation", f"terminated {terminated} long-running sessions, audited")

    def status_is(wanted: str):
        return lambda: Incident.objects.filter(pk=incident.pk, status=wanted).first()

    monitoring = wait("monitoring", status_is(IncidentStatus.MONITORING), 30)
    timeline.mark("recovery: incident monitoring", at=monitoring.monitoring_at)
    resolved = wait("resolved", status_is(IncidentStatus.RESOLVED), 30 + harness.resolve_after)
    timeline.mark("incident resolved", at=resolved.resolved_at)

    expected, per_subscriber = wait(
        "every notice delivered", lambda: notices_per_subscriber(harness, incident, SUBSCRIBERS), 20
    )
    timeline.mark("notices delivered", f"{expected} notices to each subscriber")
    timeline.steps.sort(key=lambda s: s.at)  # DB times and observed times, in one order
    durations = {
        "warning before refusal": timeline.seconds("first warning", "first connection refused"),
        "time to detect": timeline.seconds("long-running sessions start", "first warning"),
        "time to incident": timeline.seconds("long-running sessions start", "incident opened"),
        "time to acknowledge": timeline.seconds("incident opened", "remediation dry run"),
        "time to remediate": timeline.seconds("incident opened", "remediation"),
        "time to resolve": timeline.seconds("long-running sessions start", "incident resolved"),
    }
    body = postmortem_draft(resolved, timeline.steps, timeline.started, durations)
    lifecycle.save_postmortem(resolved, actor=ACTOR, body=body, notify=False)
    return Outcome(
        scenario="db-saturation",
        title="db-saturation (June 30): long-running sessions fill the database",
        incident=resolved,
        status_during=status_during,
        notices_expected=expected,
        notices_per_subscriber=per_subscriber,
        slack_messages=len(harness.slack_messages()),
        durations=durations,
        extra={
            "postmortem": body,
            "terminated": terminated,
            "dry_run_sessions": len(dry.sessions),
            "refusal": ramp.refusal,
            "audit": list(
                AuditEntry.objects.filter(action__startswith="remediation.")
                .order_by("id")
                .values_list("action", flat=True)
            ),
        },  # fmt: skip
    )


def postmortem_draft(incident: Incident, steps: list[Step], started, durations: dict) -> str:
    """The seed's sections, Detection prefilled with the measured figures, then the
    measured timeline and the incident's own timeline."""
    sections = []
    for title in SECTIONS:
        text = ""
        if title == "Detection":
            text = "\n".join(
                f"- {name.capitalize()}: {value:.1f} s" for name, value in durations.items()
            )
        sections.append(f"## {title}\n\n{text}".rstrip())
    measured = "\n".join(
        f"- +{(s.at - started).total_seconds():.1f} s {s.name}"
        + (f" ({s.detail})" if s.detail else "")
        for s in steps
    )
    recorded = timeline_markdown(incident_timeline(incident), incident.page.zone)
    return (
        "\n\n".join(sections)
        + f"\n\n## Timeline\n\n{measured}\n\n### As recorded on the incident\n\n{recorded}\n"
    )
