"""Alert channels, subscribers, and the delivery outbox that serves both."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aviso.lib.ids import new_code
from aviso.notify.choices import (
    ChannelKind,
    DeliveryState,
    Language,
    NoticeKind,
    SubscriberKind,
    Transport,
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    return secrets.token_hex(32)


def new_sealed_secret() -> str:
    """A new webhook signing secret, stored sealed (``Subscriber.signing_secret`` opens it)."""
    from aviso.status.sealing import keyring

    return keyring().seal(new_secret())


class Channel(models.Model):
    """Where the operators hear of trouble: Slack, a JSON webhook or any Apprise URL."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    # None: every page.
    page = models.ForeignKey(
        "status.Page", null=True, blank=True, on_delete=models.CASCADE, related_name="channels"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    # Per-kind settings validated by aviso.notify.channels (one pydantic model per kind).
    # URLs and signing secrets in it are sealed: ``opened_config`` is for sending only.
    config = models.JSONField(default=dict)
    # Routing; an empty list means "all".
    alert_kinds = models.JSONField(default=list, blank=True)
    actor_kinds = models.JSONField(default=list, blank=True)
    components = models.ManyToManyField("status.Component", blank=True, related_name="+")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def opened_config(self) -> dict:
        """The settings with the URL and secret opened, for the sender (never shown)."""
        from aviso.notify.channels import opened_config

        return opened_config(self.kind, self.config)

    @property
    def transport(self) -> Transport:
        return {
            ChannelKind.SLACK: Transport.SLACK,
            ChannelKind.WEBHOOK: Transport.JSON,
            ChannelKind.APPRISE: Transport.APPRISE,
        }[ChannelKind(self.kind)]


class Subscriber(models.Model):
    """A member of the public who hears of incidents and maintenances on one page."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="subscribers")
    kind = models.CharField(max_length=16, choices=SubscriberKind.choices)
    # The email address (lower-cased), the webhook URL, the phone number (E.164),
    # or for Slack and Teams a label naming the host and a digest of the URL:
    # their URL is the credential, so it is kept sealed in ``target``.
    address = models.CharField(max_length=500)
    target = models.TextField(blank=True, editable=False)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    # The secret in manage, confirm and unsubscribe links.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Webhooks: the HMAC-SHA256 signing key, sealed (``signing_secret`` opens it).
    secret = models.CharField(max_length=300, default=new_sealed_secret, editable=False)
    all_components = models.BooleanField(default=True)
    components = models.ManyToManyField("status.Component", blank=True, related_name="+")
    # SMS double opt-in: the code last sent (sealed), when, and the wrong guesses since.
    sms_code = models.CharField(max_length=300, blank=True, editable=False)
    sms_code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    sms_code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "kind", "address"], name="subscriber_once_per_page"
            )
        ]
        indexes = [models.Index(fields=["page", "confirmed_at", "unsubscribed_at"])]

    def __str__(self) -> str:
        return self.address

    @property
    def signing_secret(self) -> str:
        from aviso.status.sealing import keyring

        return keyring().unseal(self.secret)

    @property
    def target_url(self) -> str:
        """A Slack or Teams subscriber's incoming-webhook URL, opened for the sender only."""
        from aviso.status.sealing import keyring

        return keyring().unseal(self.target) if self.target else ""

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def state_label(self) -> str:
        if self.unsubscribed_at:
            return str(_("Unsubscribed"))
        return str(_("Active")) if self.confirmed_at else str(_("Awaiting confirmation"))


class Notice(models.Model):
    """What one message says, captured when its cause happened; shared by its deliveries."""

    kind = models.CharField(max_length=24, choices=NoticeKind.choices)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="+")
    # One notice per outbox event, so re-running the fan-out reuses it.
    event = models.OneToOneField(
        "status.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="notice"
    )
    # Notices not caused by an event carry their own once-only key (a reminder).
    ref = models.CharField(max_length=100, null=True, blank=True, unique=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Delivery(models.Model):
    """One message to one recipient: the unit that is claimed, sent, retried or dead."""

    # (event, recipient): inserting it twice is a no-op, so a re-run fan-out repeats nothing.
    key = models.CharField(max_length=100, unique=True)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    transport = models.CharField(max_length=16, choices=Transport.choices)
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["state", "transport", "id"])]

    def __str__(self) -> str:
        return self.key

    @property
    def recipient_label(self) -> str:
        if self.subscriber_id:
            return self.subscriber.address
        return self.channel.name if self.channel_id else ""
