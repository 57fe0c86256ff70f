"""Subscribing, confirming, changing and leaving: the only way subscribers change.

The public form's answer never depends on whether an address is known: a new
address gets a confirmation mail, a confirmed one gets "already subscribed"
with its manage link, and either way the page says "check your inbox".
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.lib.netguard import UnresolvedHost, check_host, check_url, resolve
from aviso.notify import conf
from aviso.notify.choices import Language, NoticeKind, SubscriberKind, Transport
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.notices import page_data
from aviso.status.models import Component, Page

# One confirmation mail per address per this many seconds, whatever the form gets.
CONFIRM_INTERVAL = 600


def clean_email(address: str) -> str:
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    local, _at, domain = address.rpartition("@")
    if not local.isascii():
        raise ValidationError({"email": _("Enter an address whose part before @ is ASCII.")})
    return f"{local}@{domain.lower()}"


def clean_webhook_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationError({"url": _("The address is too long (500 characters at most).")})
    policy = conf.webhook_policy()
    try:
        host, port = check_url(url)
        if policy.block_private:
            resolve(host, port, policy)  # a name for an internal host is refused now
        else:
            check_host(host, policy)  # names are checked when the webhook is sent
    except (ValueError, UnresolvedHost) as exc:  # BlockedAddress is a ValueError
        raise ValidationError({"url": str(exc)}) from None
    return url


def _components(page: Page, codes) -> list[Component]:
    codes = [c for c in (codes or []) if c]
    found = list(page.components.filter(code__in=codes))
    if len(found) != len(set(codes)):
        raise ValidationError({"components": _("Choose components of this page.")})
    return found


def queue_personal(subscriber: Subscriber, kind: NoticeKind) -> Delivery:
    """A message for one subscriber (confirmation, welcome), through the same outbox."""
    notice = Notice.objects.create(
        kind=kind, page=subscriber.page, data={"page": page_data(subscriber.page)}
    )
    transport = Transport.EMAIL if subscriber.kind == SubscriberKind.EMAIL else Transport.WEBHOOK
    return Delivery.objects.create(
        key=f"n{notice.pk}:s{subscriber.pk}",
        notice=notice,
        subscriber=subscriber,
        transport=transport,
    )


def _throttled(subscriber: Subscriber) -> bool:
    return not cache.add(f"notify:confirm:{subscriber.pk}", 1, CONFIRM_INTERVAL)


@transaction.atomic
def subscribe_email(
    page: Page, address: str, *, language: str = Language.EN, components=None
) -> None:
    """Start (or restart) a subscription; says nothing about what existed before."""
    address = clean_email(address)
    language = language if language in Language.values else Language.EN
    chosen = _components(page, components)
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page,
        kind=SubscriberKind.EMAIL,
        address=address,
        defaults={"language": language, "all_components": not chosen},
    )
    if created or subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
        subscriber.language = language
        subscriber.all_components = not chosen
        subscriber.save()
        subscriber.components.set(chosen)
    # Marks the address as recently written to, whichever message goes out.
    throttled = _throttled(subscriber)
    if subscriber.confirmed_at is None:
        if created or not throttled:
            queue_personal(subscriber, NoticeKind.CONFIRM)
    elif not throttled:
        queue_personal(subscriber, NoticeKind.ALREADY_SUBSCRIBED)


@transaction.atomic
def subscribe_webhook(page: Page, url: str, *, components=None) -> Subscriber | None:
    """A webhook subscription, active once its receiver answers the welcome ping."""
    url = clean_webhook_url(url)
    chosen = _components(page, components)
    subscriber, created = Subscriber.objects.get_or_create(
        page=page,
        kind=SubscriberKind.WEBHOOK,
        address=url,
        defaults={"all_components": not chosen},
    )
    if created or subscriber.unsubscribed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.confirmed_at = None
        subscriber.all_components = not chosen
        subscriber.save()
        subscriber.components.set(chosen)
        queue_personal(subscriber, NoticeKind.WEBHOOK_WELCOME)
        return subscriber
    return None


@transaction.atomic
def add_confirmed(
    page: Page, kind: str, address: str, *, language: str = Language.EN, components=None
) -> Subscriber:
    """An operator adds a subscriber by hand (an import): no opt-in round trip.

    ``components`` None keeps an existing subscriber's choice (a new one hears
    of every component); a list (empty = all) replaces it.
    """
    address = clean_email(address) if kind == SubscriberKind.EMAIL else clean_webhook_url(address)
    chosen = None if components is None else _components(page, components)
    defaults = {"language": language, "confirmed_at": timezone.now(), "unsubscribed_at": None}
    if chosen is not None:
        defaults["all_components"] = not chosen
    subscriber, _created = Subscriber.objects.update_or_create(
        page=page, kind=kind, address=address, defaults=defaults
    )
    if chosen is not None:
        subscriber.components.set(chosen)
    return subscriber


def confirm(subscriber: Subscriber) -> Subscriber:
    if subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscriber


def unsubscribe(subscriber: Subscriber) -> Subscriber:
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


@transaction.atomic
def update_preferences(subscriber: Subscriber, *, language: str, components) -> Subscriber:
    if language not in Language.values:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    chosen = _components(subscriber.page, components)
    subscriber.language = language
    subscriber.all_components = not chosen
    subscriber.save(update_fields=["language", "all_components"])
    subscriber.components.set(chosen)
    return subscriber
