"""Every kind and state the notify app knows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    """Operator alert channels."""

    SLACK = "slack", _("Slack incoming webhook")
    WEBHOOK = "webhook", _("JSON webhook")
    APPRISE = "apprise", _("Apprise URL (Teams, Discord, Telegram, PagerDuty, ntfy, email...)")


class AlertKind(models.TextChoices):
    """What an operator channel can be routed to hear."""

    INCIDENT_OPENED = "incident_opened", _("Incident opened")
    INCIDENT_UPDATED = "incident_updated", _("Incident updated")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident resolved")
    COMPONENT_DOWN = "component_down", _("Component down (monitor or person)")
    COMPONENT_UP = "component_up", _("Component back up")
    MAINTENANCE_STARTED = "maintenance_started", _("Maintenance started")
    MAINTENANCE_ENDED = "maintenance_ended", _("Maintenance ended")
    POSTMORTEM_PUBLISHED = "postmortem_published", _("Postmortem published")
    OUTBOX_DEAD = "outbox_dead", _("Outbox work given up (needs a retry)")


class SubscriberKind(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    SMS = "sms", _("SMS")

    @classmethod
    def chat_values(cls) -> list[str]:
        """Incoming-webhook channels: a URL that is itself the credential (kept sealed)."""
        return [cls.SLACK, cls.TEAMS]


class Language(models.TextChoices):
    EN = "en", _("English")
    ES = "es", _("Spanish")
    PT_BR = "pt-br", _("Brazilian Portuguese")
    FR = "fr", _("French")
    DE = "de", _("German")
    IT = "it", _("Italian")


class Transport(models.TextChoices):
    """How a delivery leaves: decides which sender batches it."""

    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Subscriber webhook")
    SLACK = "slack", _("Slack")
    JSON = "json", _("JSON webhook")
    APPRISE = "apprise", _("Apprise")
    SUBSCRIBER_SLACK = "subscriber_slack", _("Subscriber's Slack")
    TEAMS = "teams", _("Microsoft Teams")
    SMS = "sms", _("SMS")

    @classmethod
    def http_values(cls) -> list[str]:
        return [cls.WEBHOOK, cls.SLACK, cls.JSON, cls.SUBSCRIBER_SLACK, cls.TEAMS, cls.SMS]

    @classmethod
    def for_subscriber(cls, kind: str) -> Transport:
        return {
            SubscriberKind.EMAIL: cls.EMAIL,
            SubscriberKind.WEBHOOK: cls.WEBHOOK,
            SubscriberKind.SLACK: cls.SUBSCRIBER_SLACK,
            SubscriberKind.TEAMS: cls.TEAMS,
            SubscriberKind.SMS: cls.SMS,
        }[SubscriberKind(kind)]


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead")
    # The recipient left (unsubscribed, deleted) before it went out.
    SKIPPED = "skipped", _("Skipped")


class NoticeKind(models.TextChoices):
    """What a message says; one notice is shared by all of its deliveries."""

    INCIDENT = "incident", _("Incident")
    POSTMORTEM = "postmortem", _("Postmortem")
    MAINTENANCE = "maintenance", _("Maintenance")
    MAINTENANCE_REMINDER = "maintenance_reminder", _("Maintenance reminder")
    COMPONENT = "component", _("Component status")
    CONFIRM = "confirm", _("Confirm your subscription")
    ALREADY_SUBSCRIBED = "already_subscribed", _("Already subscribed")
    WEBHOOK_WELCOME = "webhook_welcome", _("Webhook subscription created")
    CHAT_WELCOME = "chat_welcome", _("Slack or Teams subscription created")
    SMS_CODE = "sms_code", _("SMS confirmation code")
    TEST = "test", _("Test alert")
    OUTBOX_DEAD = "outbox_dead", _("Outbox work given up")


# Who made a change, for routing ("incident opened by automation").
from aviso.status.choices import ActorKind as ActorKindChoices  # noqa: E402

__all__ = [
    "ActorKindChoices",
    "AlertKind",
    "ChannelKind",
    "DeliveryState",
    "Language",
    "NoticeKind",
    "SubscriberKind",
    "Transport",
]
