"""Notification settings: Django settings when set (tests), else ``AVISO_*`` variables."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from aviso.lib.env import envbool, envint
from aviso.lib.netguard import Policy


def allow_private_targets() -> bool:
    """Let subscriber webhooks reach private, loopback and link-local addresses."""
    return getattr(settings, "NOTIFY_ALLOW_PRIVATE", envbool("AVISO_NOTIFY_ALLOW_PRIVATE", False))


def webhook_policy(*, operator: bool = False) -> Policy:
    """The address guard's policy for a webhook.

    Operators' own channels may point inside their network; a public
    subscriber's only when ``allow_private_targets``. Metadata addresses are
    refused to both unless listed in ``settings.OUTBOUND_ALLOW``.
    """
    block_private = not (operator or allow_private_targets())
    return Policy(block_private=block_private, allow=settings.OUTBOUND_ALLOW)


def webhook_timeout() -> float:
    return float(getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", envint("AVISO_WEBHOOK_TIMEOUT", 10)))


def http_concurrency() -> int:
    return getattr(settings, "NOTIFY_HTTP_CONCURRENCY", envint("AVISO_WEBHOOK_CONCURRENCY", 100))


def email_batch() -> int:
    return getattr(settings, "NOTIFY_EMAIL_BATCH", envint("AVISO_EMAIL_BATCH", 400))


def smtp_connections() -> int:
    """SMTP connections used side by side for one batch (each reused for its share)."""
    return getattr(settings, "NOTIFY_SMTP_CONNECTIONS", envint("AVISO_SMTP_CONNECTIONS", 4))


def max_attempts() -> int:
    return getattr(settings, "NOTIFY_MAX_ATTEMPTS", envint("AVISO_DELIVERY_ATTEMPTS", 8))


def lease() -> dt.timedelta:
    """How long a claimed delivery stays with one worker before another may take it."""
    seconds = getattr(settings, "NOTIFY_LEASE", envint("AVISO_DELIVERY_LEASE", 300))
    return dt.timedelta(seconds=seconds)


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, 4 min ... capped at one hour."""
    base = getattr(settings, "NOTIFY_RETRY_BASE", envint("AVISO_RETRY_BASE", 30))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def subscribe_limit() -> tuple[int, int]:
    """(requests, per seconds) one client address may make to the subscribe form."""
    return getattr(settings, "NOTIFY_SUBSCRIBE_LIMIT", (5, 600))
