"""May: two campaigns at once flood the bot service; its answers slow down as the
requests pile up; the HTTP monitor's latency crosses its degraded threshold and
detection sets "WhatsApp Messaging Service" to degraded performance; the on-call
(scripted) declares the seed's incident "WhatsApp Messaging Service – Increased
Latency & Delayed Delivery"; the campaigns end, the checks are fast again, the
on-call posts monitoring and then resolves.

Detection opens incidents by itself only when something is down; a latency
warning changes the component and alerts the operators, and people word the
incident, as they did in May (docs/scenarios.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from aviso.monitors.models import Monitor
from aviso.notify.models import Channel, Subscriber
from aviso.scenarios.harness import Harness
from aviso.scenarios.outcome import Outcome, notices_per_subscriber
from aviso.scenarios.services import BotService, Campaigns, LoopThread
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus
from aviso.status.models import Component

SYSTEM = lifecycle.Actor.system("scenario")
COMPONENT = "WhatsApp Messaging Service"
TITLE = "WhatsApp Messaging Service – Increased Latency & Delayed Delivery"
SUBSCRIBERS = ["ana@example.org", "luis@example.org"]
DEGRADED_MS = 400


def run(harness: Harness) -> Outcome:
    loops = LoopThread()
    bot = BotService(loops)
    campaigns = Campaigns(loops, bot.url)
    try:
        return _run(harness, bot, campaigns)
    finally:
        if campaigns._done is not None and not campaigns._done.done():
            campaigns.stop()
        bot.stop()
        loops.stop()


def _component_is(component: Component, status: str):
    return lambda: Component.objects.filter(pk=component.pk, status=status).exists()


def _run(harness: Harness, bot: BotService, campaigns: Campaigns) -> Outcome:
    timeline, wait = harness.timeline, harness.wait_for
    page = lifecycle.create_page(actor=SYSTEM, name="Jelou", time_zone="UTC")
    group = lifecycle.create_group(page, actor=SYSTEM, name="Messaging Channels")
    component = lifecycle.create_component(page, actor=SYSTEM, name=COMPONENT, group=group)
    oncall = lifecycle.Actor.person(get_user_model().objects.create_user("oncall"))
    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(page=page, kind="email", address=a, confirmed_at=now) for a in SUBSCRIBERS
    )
    Channel.objects.create(
        page=page, name="#ops", kind="slack", config={"url": harness.slack.url("/slack")}
    )
    # A 1-s interval written straight into the row (monitors validate >= 10 s).
    monitor = Monitor.objects.create(
        name="Bot answer time", kind="http",
        config={"url": bot.url, "method": "POST", "degraded_latency_ms": DEGRADED_MS},
        component=component, interval_seconds=1, timeout_seconds=5,
        confirmations_down=2, confirmations_up=2, next_due_at=now,
    )  # fmt: skip
    timeline.mark("bot service up", f":{bot.port}, degraded over {DEGRADED_MS} ms")
    harness.start()

    wait("monitor up", lambda: Monitor.objects.filter(pk=monitor.pk, state="up").exists(), 15)
    calm = Monitor.objects.get(pk=monitor.pk).last_latency_ms
    timeline.mark("monitor up", f"{calm:.0f} ms")

    campaigns.start()
    began = timeline.mark("two campaigns start", f"{campaigns.count} concurrent senders").at

    first = wait("first slow check", lambda: monitor.results.filter(due_at__gte=began,
        status="degraded").order_by("checked_at").first(), 20)  # fmt: skip
    timeline.mark("first slow check", f"{first.latency_ms:.0f} ms", at=first.checked_at)
    wait("degraded", _component_is(component, ComponentStatus.DEGRADED_PERFORMANCE), 20)
    timeline.mark("component degraded_performance", "set by detection")
    wait("Slack alert", harness.slack_messages, 20)
    timeline.mark("operator alert on Slack", "#ops")

    incident = lifecycle.create_incident(
        page, actor=oncall, name=TITLE,
        body="WhatsApp messages are currently experiencing delays in responses. "
        "We are currently investigating this incident.",
        components={component: ComponentStatus.DEGRADED_PERFORMANCE},
    )  # fmt: skip
    timeline.mark("incident declared", "by the on-call", at=incident.created_at)
    wait("subscriber email", lambda: len(harness.smtp.per_recipient()) == len(SUBSCRIBERS), 20)
    timeline.mark("subscribers emailed", f"{len(SUBSCRIBERS)} subscribers")

    campaigns.stop()
    timeline.mark("campaigns end", f"{campaigns.sent} messages, peak {bot.peak} in flight")

    wait("monitor up again", lambda: Monitor.objects.filter(pk=monitor.pk, state="up").exists(), 20)
    fast = Monitor.objects.get(pk=monitor.pk).last_latency_ms
    timeline.mark("checks fast again", f"{fast:.0f} ms")
    lifecycle.post_update(
        incident, actor=oncall, status="monitoring",
        body="A fix has been implemented and we are monitoring the results.",
        components={component: ComponentStatus.OPERATIONAL},
    )  # fmt: skip
    timeline.mark("incident monitoring", "by the on-call")
    wait("stable", lambda: _stable(monitor, 3), 20)
    resolved = lifecycle.resolve_incident(
        incident, actor=oncall, body="This incident has been resolved."
    )
    timeline.mark("incident resolved", "by the on-call", at=resolved.display_at)
    incident.refresh_from_db()

    expected, per_subscriber = wait(
        "every notice delivered", lambda: notices_per_subscriber(harness, incident, SUBSCRIBERS), 20
    )
    timeline.mark("notices delivered", f"{expected} notices to each subscriber")
    return Outcome(
        scenario="campaign-spike",
        title="campaign-spike (May): two campaigns at once slow the bots down",
        incident=incident,
        status_during=ComponentStatus.DEGRADED_PERFORMANCE,
        notices_expected=expected,
        notices_per_subscriber=per_subscriber,
        slack_messages=len(harness.slack_messages()),
        durations={
            "time to detect": timeline.seconds(
                "two campaigns start", "component degraded_performance"
            ),
            "time to alert operators": timeline.seconds(
                "two campaigns start", "operator alert on Slack"
            ),
            "time to declare": timeline.seconds("two campaigns start", "incident declared"),
            "time to recover": timeline.seconds("campaigns end", "checks fast again"),
            "time to resolve": timeline.seconds("two campaigns start", "incident resolved"),
        },
        extra={"calm_ms": calm, "slow_ms": first.latency_ms, "peak_in_flight": bot.peak},
    )


def _stable(monitor: Monitor, checks: int) -> bool:
    """The last ``checks`` results all up: the on-call's "stayed fast for a while"."""
    last = list(monitor.results.order_by("-checked_at").values_list("status", flat=True)[:checks])
    return len(last) == checks and set(last) == {"up"}
