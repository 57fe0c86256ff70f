"""The delivery worker job: claim due deliveries, send them, record sent, retry or dead.

Registered with ``aviso.status.worker.register_job``. Each transport is claimed
separately (``claim``: SKIP LOCKED on PostgreSQL), so 100,000 queued emails do
not hold up a webhook. Outcomes are written as they arrive, a few hundred
milliseconds apart: a worker killed mid-batch can only repeat a message the
server had already taken and that was not yet recorded.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import logging
import queue
import time
from collections import defaultdict

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from aviso.notify import conf, messages, signing
from aviso.notify.choices import DeliveryState, NoticeKind, Transport
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.transports import apprise_urls
from aviso.notify.transports import email as email_transport
from aviso.notify.transports.http import HttpOutcome, HttpPump, HttpRequest
from aviso.status.claims import claim

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.25  # seconds between writes of outcomes
HTTP_TURN = 2.0  # seconds one job turn keeps claiming HTTP deliveries (then email gets a turn)


def due(transports: list[str], now: dt.datetime):
    return Delivery.objects.filter(
        state=DeliveryState.PENDING, transport__in=transports, next_attempt_at__lte=now
    )


class Recorder:
    """Buffers outcomes and writes them in a few UPDATEs."""

    def __init__(self, deliveries: dict[int, Delivery], clock: dt.datetime) -> None:
        self.deliveries = deliveries
        # The turn's "now": retries are scheduled from it (tests move it forward).
        self.clock = clock
        self.sent: list[int] = []
        self.failed: dict[tuple[int, str, bool], list[int]] = defaultdict(list)
        self.skipped: dict[str, list[int]] = defaultdict(list)
        self.last_flush = time.monotonic()
        self.count = 0

    def ok(self, delivery_id: int) -> None:
        self.sent.append(delivery_id)
        self.count += 1

    def fail(self, delivery_id: int, error: str, permanent: bool = False) -> None:
        attempts = self.deliveries[delivery_id].attempts + 1
        dead = permanent or attempts >= conf.max_attempts()
        self.failed[(attempts, error[:2000], dead)].append(delivery_id)
        self.count += 1

    def skip(self, delivery_id: int, reason: str) -> None:
        self.skipped[reason].append(delivery_id)

    def flush_if_due(self) -> None:
        if time.monotonic() - self.last_flush >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        now = timezone.now()
        if self.sent:
            Delivery.objects.filter(id__in=self.sent).update(
                state=DeliveryState.SENT,
                sent_at=now,
                attempts=F("attempts") + 1,
                last_error="",
                claimed_until=None,
            )
            _after_sent(self.sent, now)
            self.sent = []
        for (attempts, error, dead), ids in self.failed.items():
            Delivery.objects.filter(id__in=ids).update(
                state=DeliveryState.DEAD if dead else DeliveryState.PENDING,
                attempts=attempts,
                last_error=error,
                next_attempt_at=max(now, self.clock) + conf.retry_delay(attempts),
                claimed_until=None,
            )
        self.failed.clear()
        for reason, ids in self.skipped.items():
            Delivery.objects.filter(id__in=ids).update(
                state=DeliveryState.SKIPPED, last_error=reason, claimed_until=None
            )
        self.skipped.clear()
        self.last_flush = time.monotonic()


def _after_sent(ids: list[int], now: dt.datetime) -> None:
    """A webhook subscriber whose welcome ping was answered 2xx is now active."""
    Subscriber.objects.filter(
        deliveries__id__in=ids,
        deliveries__notice__kind=NoticeKind.WEBHOOK_WELCOME,
        confirmed_at__isnull=True,
    ).update(confirmed_at=now)


def _load(claimed: list[Delivery]):
    notices = Notice.objects.in_bulk({d.notice_id for d in claimed})
    subscriber_ids = {d.subscriber_id for d in claimed if d.subscriber_id}
    subscribers = Subscriber.objects.only(
        "id", "address", "token", "secret", "language", "unsubscribed_at", "kind", "page_id"
    ).in_bulk(subscriber_ids)
    return notices, subscribers


LIST_KINDS = {
    NoticeKind.INCIDENT,
    NoticeKind.POSTMORTEM,
    NoticeKind.MAINTENANCE,
    NoticeKind.MAINTENANCE_REMINDER,
    NoticeKind.COMPONENT,
}


def _recipient(delivery: Delivery, notice: Notice, subscribers: dict) -> Subscriber | None:
    subscriber = subscribers.get(delivery.subscriber_id)
    if subscriber is None:
        return None
    if subscriber.unsubscribed_at is not None and notice.kind in LIST_KINDS:
        return None
    return subscriber


def send_emails(worker: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    claimed = claim(
        due([Transport.EMAIL], now), worker=worker, lease=conf.lease(), batch=conf.email_batch()
    )
    if not claimed:
        return False
    notices, subscribers = _load(claimed)
    recorder = Recorder({d.pk: d for d in claimed}, now)
    rendered: dict[tuple[int, str], email_transport.MessageFactory] = {}
    items = []
    for delivery in claimed:
        notice = notices[delivery.notice_id]
        subscriber = _recipient(delivery, notice, subscribers)
        if subscriber is None:
            recorder.skip(delivery.pk, "the subscriber left before it was sent")
            continue
        key = (notice.pk, subscriber.language)
        if key not in rendered:
            rendered[key] = email_transport.MessageFactory(
                messages.render_email(notice.kind, notice.data, subscriber.language),
                subscriber.language,
                settings.DEFAULT_FROM_EMAIL,
            )
        outgoing = email_transport.Outgoing(delivery.pk, subscriber.address, subscriber.token)
        items.append((outgoing, rendered[key]))
    outcomes: queue.Queue = queue.Queue()

    def report(delivery_id: int, error: str | None) -> None:
        outcomes.put((delivery_id, error))

    lanes = max(1, min(conf.smtp_connections(), len(items) // 50 + 1))
    with concurrent.futures.ThreadPoolExecutor(lanes, thread_name_prefix="smtp") as pool:
        futures = [
            pool.submit(email_transport.send_batch, items[lane::lanes], report)
            for lane in range(lanes)
        ]
        pending = set(futures)
        while pending:
            _done, pending = concurrent.futures.wait(pending, timeout=FLUSH_EVERY)
            _drain(outcomes, recorder)
            recorder.flush_if_due()
        for future in futures:
            if future.exception() is not None:
                log.error("email lane failed", exc_info=future.exception())
    _drain(outcomes, recorder)
    recorder.flush()
    # A lane that died unexpectedly leaves its rows claimed; the lease brings them back.
    return True


def _drain(outcomes: queue.Queue, recorder: Recorder) -> None:
    while True:
        try:
            delivery_id, error = outcomes.get_nowait()
        except queue.Empty:
            return
        if error is None:
            recorder.ok(delivery_id)
        else:
            recorder.fail(delivery_id, error)


def http_request(delivery: Delivery, notice: Notice, subscriber: Subscriber | None) -> HttpRequest:
    if delivery.transport == Transport.WEBHOOK:
        if notice.kind == NoticeKind.WEBHOOK_WELCOME:
            payload = messages.welcome_body(notice.data, subscriber)
        else:
            payload = messages.webhook_body(notice.data, subscriber.token)
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            signing.HEADER: signing.sign(subscriber.secret, body),
            "X-Aviso-Delivery": delivery.key,
            "X-Aviso-Event": notice.data.get("event_kind", notice.kind),
        }
        return HttpRequest(delivery.pk, subscriber.address, body, headers)
    channel = delivery.channel
    if delivery.transport == Transport.SLACK:
        payload = messages.slack_payload(notice.kind, notice.data)
    else:
        payload = messages.json_alert(notice.kind, notice.data)
    body = json.dumps(payload).encode()
    headers = {"X-Aviso-Delivery": delivery.key}
    if channel.config.get("secret"):
        headers[signing.HEADER] = signing.sign(channel.config["secret"], body)
    # Operators configure their own channels; they may point inside their network.
    return HttpRequest(delivery.pk, channel.config["url"], body, headers, allow_private=True)


def send_http(worker: str, now: dt.datetime | None = None, turn: float = HTTP_TURN) -> bool:
    """Keep up to ``concurrency`` requests in flight, refilling as each one finishes."""
    now = now or timezone.now()
    concurrency = conf.http_concurrency()
    first = claim(
        due(Transport.http_values(), now), worker=worker, lease=conf.lease(), batch=concurrency
    )
    if not first:
        return False
    deadline = time.monotonic() + turn
    recorder = Recorder({}, now)
    inflight: dict[concurrent.futures.Future, int] = {}
    with HttpPump(
        concurrency=concurrency,
        timeout=conf.webhook_timeout(),
        allow_private=conf.allow_private_targets(),
    ) as pump:
        batch = first
        while True:
            if batch:
                _submit(pump, batch, recorder, inflight)
                batch = []
            if not inflight:
                break
            done, _ = concurrent.futures.wait(
                inflight, timeout=FLUSH_EVERY, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                del inflight[future]
                outcome: HttpOutcome = future.result()
                if outcome.error is None:
                    recorder.ok(outcome.delivery_id)
                else:
                    recorder.fail(outcome.delivery_id, outcome.error, outcome.permanent)
            recorder.flush_if_due()
            room = concurrency - len(inflight)
            if room >= concurrency // 4 and time.monotonic() < deadline:
                batch = claim(
                    due(Transport.http_values(), now),
                    worker=worker,
                    lease=conf.lease(),
                    batch=room,
                )
    recorder.flush()
    return True


def _submit(pump: HttpPump, batch: list[Delivery], recorder: Recorder, inflight: dict) -> None:
    recorder.deliveries.update({d.pk: d for d in batch})
    notices, subscribers = _load(batch)
    channels = {
        d.pk: d
        for d in Delivery.objects.select_related("channel").filter(
            id__in=[d.pk for d in batch if d.channel_id]
        )
    }
    for delivery in batch:
        notice = notices[delivery.notice_id]
        if delivery.channel_id:
            delivery = channels[delivery.pk]
            subscriber = None
        else:
            subscriber = _recipient(delivery, notice, subscribers)
            if subscriber is None:
                recorder.skip(delivery.pk, "the subscriber left before it was sent")
                continue
        request = http_request(delivery, notice, subscriber)
        inflight[pump.submit(request)] = delivery.pk


def send_apprise(worker: str, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    claimed = claim(due([Transport.APPRISE], now), worker=worker, lease=conf.lease(), batch=20)
    if not claimed:
        return False
    recorder = Recorder({d.pk: d for d in claimed}, now)
    rows = Delivery.objects.select_related("channel", "notice").filter(
        id__in=[d.pk for d in claimed]
    )

    def one(delivery: Delivery) -> tuple[int, str | None]:
        data = delivery.notice.data
        title = messages.headline(delivery.notice.kind, data)
        body = messages.plain_summary(delivery.notice.kind, data)
        return delivery.pk, apprise_urls.send(delivery.channel.config["url"], title, body)

    with concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="apprise") as pool:
        for delivery_id, error in pool.map(one, rows):
            if error is None:
                recorder.ok(delivery_id)
            else:
                recorder.fail(delivery_id, error)
    recorder.flush()
    return True


def send_due(worker: str, now: dt.datetime | None = None) -> bool:
    """The registered job: one turn for each transport."""
    did = send_emails(worker, now)
    did = send_http(worker, now) or did
    return send_apprise(worker, now) or did
