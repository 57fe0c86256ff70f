"""From one outbox event to one delivery row per recipient.

Registered as a worker event handler. It runs inside the worker's transaction
for the event, and every row carries the key ``e<event>:s<subscriber>`` (or
``:c<channel>``) under a unique index, inserted with ``ignore_conflicts``: a
crash before the commit leaves nothing, a re-run after it adds nothing.
"""

from __future__ import annotations

from django.db.models import Q

from aviso.notify.choices import SubscriberKind, Transport
from aviso.notify.models import Channel, Delivery, Notice, Subscriber
from aviso.notify.notices import Plan, notice_data, plan_for
from aviso.status.models import Event

INSERT_CHUNK = 5000
TRANSPORT_FOR = {SubscriberKind.EMAIL: Transport.EMAIL, SubscriberKind.WEBHOOK: Transport.WEBHOOK}


def handle_event(event: Event) -> None:
    plan = plan_for(event)
    if plan is None:
        return
    channels = matching_channels(event, plan)
    if not plan.subscriber_kinds and not channels:
        return
    notice, _ = Notice.objects.get_or_create(
        event=event,
        defaults={
            "kind": plan.notice_kind,
            "page": event.page,
            "data": notice_data(event, plan.notice_kind),
        },
    )
    rows = [
        Delivery(
            key=f"e{event.pk}:c{channel.pk}",
            notice=notice,
            channel=channel,
            transport=channel.transport,
        )
        for channel in channels
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    if plan.subscriber_kinds:
        fan_out_to_subscribers(event, notice, plan)


def audience(page_id: int, kinds, component_ids: list[int]):
    """Active subscribers of ``kinds`` who follow any of ``component_ids`` (or everything)."""
    subscribers = Subscriber.objects.filter(
        page_id=page_id,
        kind__in=kinds,
        confirmed_at__isnull=False,
        unsubscribed_at__isnull=True,
    )
    if component_ids:
        subscribers = subscribers.filter(
            Q(all_components=True) | Q(components__in=component_ids)
        ).distinct()
    return subscribers


def fan_out_to_subscribers(event: Event, notice: Notice, plan: Plan) -> int:
    return insert_deliveries(
        f"e{event.pk}", notice, event.page_id, plan.subscriber_kinds, plan.component_ids
    )


def insert_deliveries(prefix: str, notice: Notice, page_id: int, kinds, component_ids) -> int:
    """One row per recipient keyed ``<prefix>:s<subscriber>``, in chunks, duplicates ignored."""
    recipients = audience(page_id, kinds, component_ids).order_by("id").values_list("id", "kind")
    count = 0
    batch: list[Delivery] = []
    for subscriber_id, kind in recipients.iterator(chunk_size=INSERT_CHUNK):
        batch.append(
            Delivery(
                key=f"{prefix}:s{subscriber_id}",
                notice_id=notice.pk,
                subscriber_id=subscriber_id,
                transport=TRANSPORT_FOR[kind],
            )
        )
        if len(batch) >= INSERT_CHUNK:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
            count += len(batch)
            batch = []
    if batch:
        Delivery.objects.bulk_create(batch, ignore_conflicts=True)
        count += len(batch)
    return count


def matching_channels(event: Event, plan: Plan) -> list[Channel]:
    if plan.alert is None:
        return []
    wanted = set(plan.component_ids)
    matches = []
    channels = Channel.objects.filter(enabled=True).filter(
        Q(page__isnull=True) | Q(page_id=event.page_id)
    )
    for channel in channels.prefetch_related("components"):
        if channel.alert_kinds and plan.alert not in channel.alert_kinds:
            continue
        if channel.actor_kinds and event.actor_kind not in channel.actor_kinds:
            continue
        scope = {c.pk for c in channel.components.all()}
        if scope and not scope & wanted:
            continue
        matches.append(channel)
    return matches
