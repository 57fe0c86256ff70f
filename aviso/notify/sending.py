"""The delivery worker job: claim due deliveries, send them, record sent, retry or dead.

Registered with ``aviso.status.worker.register_job``. Each transport is claimed
separately (``claim``: SKIP LOCKED on PostgreSQL), so 100,000 queued emails do
not hold up a webhook. Outcomes are written as they arrive, a tenth of a
second apart: a worker killed mid-batch can only repeat a message the server
had already taken and that was not yet recorded (in the kill test, 2 to 5 of
300 with the send cut at 60).
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

from aviso.lib.sealed import REDACTED
from aviso.notify import chat, conf, messages, signing, sms, subscriptions
from aviso.notify.choices import DeliveryState, NoticeKind, Transport
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.statuspage import site_url
from aviso.notify.transports import apprise_urls
from aviso.notify.transports import email as email_transport
from aviso.notify.transports.http import HttpOutcome, HttpPump, HttpRequest
from aviso.status.claims import claim
from aviso.status.sealing import keyring

log = logging.getLogger(__name__)

FLUSH_EVERY = 0.1  # seconds between writes of outcomes: the most a killed worker can repeat
TURN = 5.0  # seconds one job turn keeps claiming before the lane's other jobs run
LANE = "deliveries"  # the worker lane sending runs on (aviso.status.worker)


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
    subscriptions.welcome_answered(ids, now)


def _load(claimed: list[Delivery]):
    notices = Notice.objects.in_bulk({d.notice_id for d in claimed})
    subscriber_ids = {d.subscriber_id for d in claimed if d.subscriber_id}
    subscribers = Subscriber.objects.only(
        "id",
        "address",
        "token",
        "secret",
        "language",
        "unsubscribed_at",
        "kind",
        "page_id",
        "target",
        "sms_code",
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


def _email_items(claimed: list[Delivery], recorder: Recorder) -> list:
    """Render once per (notice, language); one (Outgoing, factory) pair per recipient."""
    notices, subscribers = _load(claimed)
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
    return items


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


def chat_request(delivery: Delivery, notice: Notice, subscriber: Subscriber) -> HttpRequest:
    """A subscriber's Slack or Teams incoming webhook: the URL opened only here."""
    url = subscriber.target_url
    manage = site_url("notify:manage", subscriber.token)
    if delivery.transport == Transport.SUBSCRIBER_SLACK:
        payload = chat.slack_message(notice.kind, notice.data, subscriber.language, manage)
    else:
        payload = chat.teams_message(notice.kind, notice.data, subscriber.language, manage, url)
    body = json.dumps(payload).encode()
    return HttpRequest(delivery.pk, url, body, {}, redact=url)


def sms_request(delivery: Delivery, notice: Notice, subscriber: Subscriber) -> HttpRequest:
    """Twilio's ``Messages.json``: a form, basic auth, to the operator's configured gateway."""
    gateway = sms.gateway()
    code = keyring().unseal(subscriber.sms_code) if notice.kind == NoticeKind.SMS_CODE else ""
    if notice.kind == NoticeKind.SMS_CODE and not code:
        raise Skip("the number was confirmed (or the code replaced) before it was sent")
    text = chat.sms_text(notice.kind, notice.data, subscriber.language, code)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": gateway.authorization,
        "Accept": "application/json",
    }
    # The gateway is the operator's own setting: it may sit inside their network.
    return HttpRequest(
        delivery.pk,
        gateway.messages_url,
        gateway.form(subscriber.address, text),
        headers,
        allow_private=True,
    )


class Skip(Exception):
    """Nothing to send any more; the delivery is marked skipped with this reason."""


def http_request(delivery: Delivery, notice: Notice, subscriber: Subscriber | None) -> HttpRequest:
    if delivery.transport in (Transport.SUBSCRIBER_SLACK, Transport.TEAMS):
        return chat_request(delivery, notice, subscriber)
    if delivery.transport == Transport.SMS:
        return sms_request(delivery, notice, subscriber)
    if delivery.transport == Transport.WEBHOOK:
        if notice.kind == NoticeKind.WEBHOOK_WELCOME:
            payload = messages.welcome_body(notice.data, subscriber)
        else:
            payload = messages.webhook_body(notice.data, subscriber.token)
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            signing.HEADER: signing.sign(subscriber.signing_secret, body),
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
    config = channel.opened_config
    if config.get("secret"):
        headers[signing.HEADER] = signing.sign(config["secret"], body)
    # Operators configure their own channels; they may point inside their network.
    return HttpRequest(delivery.pk, config["url"], body, headers, allow_private=True)


class Turn:
    """One turn of the delivery job: email and HTTP side by side until nothing is due.

    Email batches go out over a few SMTP connections in threads; HTTP requests
    run on the pump's event loop. This thread (the only one touching the
    database) claims work for whichever is idle, and records outcomes as they
    arrive, so neither transport waits for the other.
    """

    def __init__(self, worker: str, now: dt.datetime, length: float) -> None:
        self.worker = worker
        self.now = now
        self.deadline = time.monotonic() + length
        self.recorder = Recorder({}, now)
        self.outcomes: queue.Queue = queue.Queue()
        self.lanes: set[concurrent.futures.Future] = set()
        self.requests: dict[concurrent.futures.Future, int] = {}
        self.pool: concurrent.futures.ThreadPoolExecutor | None = None
        self.pump: HttpPump | None = None
        self.concurrency = conf.http_concurrency()
        self.did = False
        # A batch that could not even connect pauses email for the rest of the turn,
        # rather than walking the whole queue through the same refusal.
        self.smtp_down = False
        self.batch_sent = 0
        self.batch_unreachable = 0

    def _claim(self, transports: list[str], batch: int) -> list[Delivery]:
        claimed = claim(
            due(transports, self.now), worker=self.worker, lease=conf.lease(), batch=batch
        )
        self.recorder.deliveries.update({d.pk: d for d in claimed})
        self.did = self.did or bool(claimed)
        return claimed

    def _start_emails(self) -> None:
        if self.batch_unreachable and not self.batch_sent:
            self.smtp_down = True
        self.batch_sent = self.batch_unreachable = 0
        if self.smtp_down:
            return
        claimed = self._claim([Transport.EMAIL], conf.email_batch())
        items = _email_items(claimed, self.recorder) if claimed else []
        if not items:
            return
        lanes = max(1, min(conf.smtp_connections(), len(items) // 50 + 1))
        if self.pool is None:
            self.pool = concurrent.futures.ThreadPoolExecutor(
                conf.smtp_connections(), thread_name_prefix="smtp"
            )
        for lane in range(lanes):
            self.lanes.add(
                self.pool.submit(email_transport.send_batch, items[lane::lanes], self._report)
            )

    def _report(self, delivery_id: int, error: str | None) -> None:
        # Called from the SMTP lanes; the counters are only read once the lanes are done.
        if error is None:
            self.batch_sent += 1
        elif error.startswith(email_transport.CONNECTION_ERROR_PREFIX):
            self.batch_unreachable += 1
        self.outcomes.put((delivery_id, error))

    def _start_http(self) -> None:
        room = self.concurrency - len(self.requests)
        if room < max(1, self.concurrency // 4):
            return
        claimed = self._claim(Transport.http_values(), room)
        if not claimed:
            return
        if self.pump is None:
            self.pump = HttpPump(
                concurrency=self.concurrency,
                timeout=conf.webhook_timeout(),
                policy=conf.webhook_policy(),
                operator_policy=conf.webhook_policy(operator=True),
            )
        _submit(self.pump, claimed, self.recorder, self.requests)

    def _collect(self) -> None:
        waiting = self.lanes | set(self.requests)
        done, _ = concurrent.futures.wait(
            waiting, timeout=FLUSH_EVERY, return_when=concurrent.futures.FIRST_COMPLETED
        )
        for future in done:
            if future in self.lanes:
                self.lanes.discard(future)
                if future.exception() is not None:
                    # Its rows stay claimed; the lease brings them back to another turn.
                    log.error("email lane failed", exc_info=future.exception())
                continue
            del self.requests[future]
            outcome: HttpOutcome = future.result()
            if outcome.error is None:
                self.recorder.ok(outcome.delivery_id)
            else:
                self.recorder.fail(outcome.delivery_id, outcome.error, outcome.permanent)
        _drain(self.outcomes, self.recorder)
        self.recorder.flush_if_due()

    def run(self) -> bool:
        try:
            while True:
                if time.monotonic() < self.deadline:
                    if not self.lanes:
                        self._start_emails()
                    self._start_http()
                if not self.lanes and not self.requests:
                    break
                self._collect()
            _drain(self.outcomes, self.recorder)
            self.recorder.flush()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            if self.pump is not None:
                self.pump.close()
        return self.did


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
        try:
            request = http_request(delivery, notice, subscriber)
        except Skip as reason:
            recorder.skip(delivery.pk, str(reason))
            continue
        except sms.SmsNotConfigured as exc:  # unset or malformed: retried once it is fixed
            recorder.fail(delivery.pk, str(exc))
            continue
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
        url = delivery.channel.opened_config["url"]
        error = apprise_urls.send(url, title, body)
        # Apprise's log lines may quote the URL, and its token with it.
        return delivery.pk, error.replace(url, REDACTED) if error else error

    with concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="apprise") as pool:
        for delivery_id, error in pool.map(one, rows):
            if error is None:
                recorder.ok(delivery_id)
            else:
                recorder.fail(delivery_id, error)
    recorder.flush()
    return True


def send_due(worker: str, now: dt.datetime | None = None, length: float = TURN) -> bool:
    """The registered job: email and HTTP deliveries for up to ``length`` seconds, then Apprise."""
    now = now or timezone.now()
    did = Turn(worker, now, length).run()
    return send_apprise(worker, now) or did
