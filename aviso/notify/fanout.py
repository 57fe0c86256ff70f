"""From one outbox event to one delivery row per recipient.

Registered as a worker event handler. It runs inside the worker's transaction
for the event, and every row carries the key ``e<event>:s<subscriber>`` (or
``:c<channel>``) under a unique index, inserted with ``ignore_conflicts``: a
crash before the commit leaves nothing, a re-run after it adds nothing.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateTimeField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from aviso.notify import sending
from aviso.notify.choices import DeliveryState, SubscriberKind, Transport
from aviso.notify.models import Channel, Delivery, Notice, Subscriber
from aviso.notify.notices import Plan, notice_data, plan_for
from aviso.status import worker
from aviso.status.audiences import AudienceMap
from aviso.status.models import Event, Page
from aviso.status.showing import pages_showing


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
    worker.nudge(sending.LANE)


def audience(page_id: int, kinds, component_ids: list[int]):
    """Active subscribers of ``kinds`` who follow any of ``component_ids`` (or everything).

    Subscribers of every page that shows one of the components hear of it (a
    component shared across pages), except, on a private page with audiences,
    those whose audience does not see any of them.
    """
    pages = {page_id}
    if component_ids:
        pages |= set(pages_showing(component_ids).values_list("pk", flat=True))
    subscribers = Subscriber.objects.filter(
        page_id__in=pages,
        kind__in=kinds,
        confirmed_at__isnull=False,
        unsubscribed_at__isnull=True,
    )
    if component_ids:
        shared = list(pages - {page_id})
        follows = Q(all_components=True) | Q(components__in=component_ids)
        if shared:
            # Another page's subscribers chose among their own page's components.
            follows = Q(page_id=page_id) & follows | Q(page_id__in=shared, all_components=True)
        subscribers = subscribers.filter(follows).distinct()
    hidden = _not_to_be_told(pages, set(component_ids), kinds)
    if hidden:
        subscribers = subscribers.exclude(pk__in=hidden)
    return subscribers


def _not_to_be_told(pages: set[int], component_ids: set[int], kinds) -> list[int]:
    """Subscribers of private pages who may not read this: email subscribers the page no
    longer admits, and, on a page with audiences, those whose audience sees none of
    ``component_ids`` (an event touching no component is for every admitted reader)."""
    hidden = []
    for page in Page.objects.filter(pk__in=pages, private=True):
        audiences = AudienceMap(page)
        rows = Subscriber.objects.filter(page=page, kind__in=kinds).values_list(
            "pk", "kind", "address"
        )
        for pk, kind, address in rows:
            if kind == SubscriberKind.EMAIL and not page.admits(address.lower()):
                hidden.append(pk)
                continue
            visible = audiences.visible(address) if kind == SubscriberKind.EMAIL else None
            if visible is not None and component_ids and not visible & component_ids:
                hidden.append(pk)
    return hidden


def fan_out_to_subscribers(event: Event, notice: Notice, plan: Plan) -> int:
    return insert_deliveries(
        f"e{event.pk}", notice, event.page_id, plan.subscriber_kinds, plan.component_ids
    )


def insert_deliveries(prefix: str, notice: Notice, page_id: int, kinds, component_ids) -> int:
    """One row per recipient keyed ``<prefix>:s<subscriber>``; duplicates ignored.

    A single ``INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING`` (SQLite and
    PostgreSQL alike): 100,000 rows without building 100,000 model objects.
    """
    now = timezone.now()
    rows = (
        audience(page_id, kinds, component_ids)
        .order_by()
        .annotate(
            d_key=Concat(Value(f"{prefix}:s"), Cast("id", CharField()), output_field=CharField()),
            d_notice=Value(notice.pk, output_field=BigIntegerField()),
            d_transport=Case(
                *[
                    When(kind=kind, then=Value(Transport.for_subscriber(kind)))
                    for kind in SubscriberKind.values
                ],
                default=Value(Transport.WEBHOOK),
                output_field=CharField(),
            ),
            d_state=Value(DeliveryState.PENDING, output_field=CharField()),
            d_attempts=Value(0, output_field=IntegerField()),
            d_now=Value(now, output_field=DateTimeField()),
            d_blank=Value("", output_field=CharField()),
        )
    )
    select, params = rows.values_list(
        "d_key",
        "d_notice",
        "id",
        "d_transport",
        "d_state",
        "d_attempts",
        "d_now",
        "d_blank",
        "d_now",
        "d_blank",
    ).query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    columns = (
        "key, notice_id, subscriber_id, transport, state, attempts, next_attempt_at, "
        "last_error, created_at, claimed_by"
    )
    sql = f"INSERT INTO {table} ({columns}) {select} ON CONFLICT (key) DO NOTHING"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


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
