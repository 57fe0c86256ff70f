"""Subscribing, confirming, changing and leaving: the only way subscribers change.

The public form's answer never depends on whether an address is known: a new
address gets a confirmation mail, a confirmed one gets "already subscribed"
with its manage link, and either way the page says "check your inbox".

Every change writes its audit entry in the same transaction (``actor`` says
who: a person, a token, or the subscriber through the public form and links).
An address that unsubscribed is never subscribed again without its consent:
re-adding it, even by an admin, sends a new confirmation. A webhook always
starts with its welcome ping, which carries its signing secret.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.lib.netguard import UnresolvedHost, check_host, check_url, resolve
from aviso.notify import chat, conf, sms
from aviso.notify.choices import Language, NoticeKind, SubscriberKind, Transport
from aviso.notify.models import Delivery, Notice, Subscriber
from aviso.notify.notices import page_data
from aviso.status.lifecycle import Actor
from aviso.status.lifecycle.records import record
from aviso.status.models import Component, Page
from aviso.status.sealing import keyring

# One confirmation mail per address per this many seconds, whatever the form gets.
CONFIRM_INTERVAL = 600

# The subscriber acting on their own: the public form, the links in their messages.
PUBLIC = Actor.system("subscriber (public form or link)")
RECEIVER = Actor.system("webhook receiver (answered the welcome ping)")

_AUDITED = ["kind", "address", "language", "all_components", "confirmed_at", "unsubscribed_at"]


def picture(subscriber: Subscriber | None) -> dict | None:
    """What the audit log keeps of a subscriber: never its link token or signing secret."""
    if subscriber is None or subscriber.pk is None:
        return None
    data = {
        name: getattr(subscriber, name).isoformat()
        if hasattr(getattr(subscriber, name), "isoformat")
        else getattr(subscriber, name)
        for name in _AUDITED
    }
    data["components"] = sorted(subscriber.components.values_list("code", flat=True))
    return data


def _audit(actor: Actor, action: str, subscriber: Subscriber, before: dict | None) -> None:
    after = picture(subscriber)
    if after != before:
        record(
            actor,
            action,
            subscriber,
            page=subscriber.page,
            before=before,
            after=after,
            event=None,  # nothing public changed; messages to the subscriber are deliveries
        )


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
    return Delivery.objects.create(
        key=f"n{notice.pk}:s{subscriber.pk}",
        notice=notice,
        subscriber=subscriber,
        transport=Transport.for_subscriber(subscriber.kind),
    )


def _throttled(subscriber: Subscriber) -> bool:
    return not cache.add(f"notify:confirm:{subscriber.pk}", 1, CONFIRM_INTERVAL)


def _take_unconfirmed(
    page: Page, kind: str, address: str, language: str, chosen: list, actor: Actor
) -> tuple[Subscriber, bool]:
    """The (page, kind, address) subscription, new or taken up again after leaving,
    unconfirmed until its owner answers; one that stands is left as it is."""
    existing = (
        Subscriber.objects.select_for_update().filter(page=page, kind=kind, address=address).first()
    )
    before = picture(existing)
    subscriber, created = Subscriber.objects.select_for_update().get_or_create(
        page=page,
        kind=kind,
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
        _audit(actor, "subscriber.subscribe", subscriber, before)
    return subscriber, created


@transaction.atomic
def subscribe_email(
    page: Page,
    address: str,
    *,
    actor: Actor,
    language: str = Language.EN,
    components=None,
) -> Subscriber:
    """Start (or restart) a subscription; says nothing about what existed before."""
    address = clean_email(address)
    language = language if language in Language.values else Language.EN
    chosen = _components(page, components)
    subscriber, created = _take_unconfirmed(
        page, SubscriberKind.EMAIL, address, language, chosen, actor
    )
    # Marks the address as recently written to, whichever message goes out.
    throttled = _throttled(subscriber)
    if subscriber.confirmed_at is None:
        if created or not throttled:
            queue_personal(subscriber, NoticeKind.CONFIRM)
    elif not throttled:
        queue_personal(subscriber, NoticeKind.ALREADY_SUBSCRIBED)
    return subscriber


@transaction.atomic
def subscribe_webhook(page: Page, url: str, *, actor: Actor, components=None) -> Subscriber | None:
    """A webhook subscription, active once its receiver answers the welcome ping.

    None when the URL is already subscribed (pending or active): nothing changes.
    """
    url = clean_webhook_url(url)
    chosen = _components(page, components)
    existing = (
        Subscriber.objects.select_for_update()
        .filter(page=page, kind=SubscriberKind.WEBHOOK, address=url)
        .first()
    )
    before = picture(existing)
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
        _audit(actor, "subscriber.subscribe", subscriber, before)
        # The welcome ping carries the signing secret, whoever added the URL.
        queue_personal(subscriber, NoticeKind.WEBHOOK_WELCOME)
        return subscriber
    return None


@transaction.atomic
def add_confirmed(
    page: Page,
    kind: str,
    address: str,
    *,
    actor: Actor,
    language: str = Language.EN,
    components=None,
) -> Subscriber:
    """An operator adds an email subscriber by hand, vouching for consent given elsewhere.

    An address that unsubscribed is the exception: leaving was its owner's word,
    so it gets a new confirmation mail and stays pending until they confirm.
    Webhooks have no such door: ``subscribe_webhook`` (the welcome ping) is theirs.
    ``components`` None keeps an existing subscriber's choice (a new one hears
    of every component); a list (empty = all) replaces it.
    """
    if kind != SubscriberKind.EMAIL:
        raise ValidationError(
            {"kind": _("A webhook becomes active by answering its welcome ping.")}
        )
    address = clean_email(address)
    if language not in Language.values:
        raise ValidationError({"language": _("Choose English or Spanish.")})
    chosen = None if components is None else _components(page, components)
    subscriber = (
        Subscriber.objects.select_for_update()
        .filter(page=page, kind=SubscriberKind.EMAIL, address=address)
        .first()
    )
    if subscriber is not None and subscriber.unsubscribed_at is not None:
        return subscribe_email(
            page,
            address,
            actor=actor,
            language=language,
            components=chosen if chosen is not None else _chosen_codes(subscriber),
        )
    before = picture(subscriber)
    subscriber = subscriber or Subscriber(page=page, kind=SubscriberKind.EMAIL, address=address)
    subscriber.language = language
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    if chosen is not None:
        subscriber.all_components = not chosen
    subscriber.save()
    if chosen is not None:
        subscriber.components.set(chosen)
    _audit(actor, "subscriber.add", subscriber, before)
    return subscriber


def _chosen_codes(subscriber: Subscriber) -> list[str]:
    if subscriber.all_components:
        return []
    return list(subscriber.components.values_list("code", flat=True))


@transaction.atomic
def confirm(subscriber: Subscriber, *, actor: Actor) -> Subscriber:
    """The subscriber's own yes (the link in the confirmation mail)."""
    if subscriber.confirmed_at is None or subscriber.unsubscribed_at is not None:
        before = picture(subscriber)
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
        _audit(actor, "subscriber.confirm", subscriber, before)
    return subscriber


def welcome_answered(delivery_ids: list[int], at) -> None:
    """Webhook, Slack and Teams subscribers whose welcome was answered 2xx are now active."""
    waiting = Subscriber.objects.filter(
        deliveries__id__in=delivery_ids,
        deliveries__notice__kind__in=[NoticeKind.WEBHOOK_WELCOME, NoticeKind.CHAT_WELCOME],
        confirmed_at__isnull=True,
        unsubscribed_at__isnull=True,
    ).select_related("page")
    for subscriber in waiting:
        with transaction.atomic():
            before = picture(subscriber)
            if Subscriber.objects.filter(pk=subscriber.pk, confirmed_at__isnull=True).update(
                confirmed_at=at
            ):
                subscriber.confirmed_at = at
                _audit(RECEIVER, "subscriber.confirm", subscriber, before)


@transaction.atomic
def unsubscribe(subscriber: Subscriber, *, actor: Actor) -> Subscriber:
    if subscriber.unsubscribed_at is None:
        before = picture(subscriber)
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
        _audit(actor, "subscriber.unsubscribe", subscriber, before)
    return subscriber


@transaction.atomic
def update_preferences(
    subscriber: Subscriber, *, language: str, components, actor: Actor
) -> Subscriber:
    if language not in Language.values:
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    chosen = _components(subscriber.page, components)
    before = picture(subscriber)
    subscriber.language = language
    subscriber.all_components = not chosen
    subscriber.save(update_fields=["language", "all_components"])
    subscriber.components.set(chosen)
    _audit(actor, "subscriber.preferences", subscriber, before)
    return subscriber


@transaction.atomic
def subscribe_chat(
    page: Page,
    kind: str,
    url: str,
    *,
    actor: Actor,
    language: str = Language.EN,
    components=None,
) -> Subscriber | None:
    """A Slack or Teams channel's incoming webhook, active once its welcome is answered 2xx.

    The URL is sealed (it is the credential); None when it is already subscribed.
    """
    if kind not in SubscriberKind.chat_values():
        raise ValidationError({"kind": _("Choose Slack or Microsoft Teams.")})
    url = clean_webhook_url(url)
    language = language if language in Language.values else Language.EN
    chosen = _components(page, components)
    address = chat.label(url)
    existing = (
        Subscriber.objects.select_for_update().filter(page=page, kind=kind, address=address).first()
    )
    if existing is not None and existing.unsubscribed_at is None:
        return None
    before = picture(existing)
    subscriber = existing or Subscriber(page=page, kind=kind, address=address)
    subscriber.target = keyring().seal(url)
    subscriber.language = language
    subscriber.unsubscribed_at = None
    subscriber.confirmed_at = None
    subscriber.all_components = not chosen
    subscriber.save()
    subscriber.components.set(chosen)
    _audit(actor, "subscriber.subscribe", subscriber, before)
    # Proves the URL answers before anything else is sent to it.
    queue_personal(subscriber, NoticeKind.CHAT_WELCOME)
    return subscriber


def clean_phone(number: str, country: str = "") -> str:
    try:
        return sms.normalize_number(number, country)
    except ValueError as exc:
        raise ValidationError({"phone": str(exc)}) from None


def _send_code(subscriber: Subscriber) -> None:
    subscriber.sms_code = keyring().seal(sms.new_code())
    subscriber.sms_code_sent_at = timezone.now()
    subscriber.sms_code_attempts = 0
    subscriber.save(update_fields=["sms_code", "sms_code_sent_at", "sms_code_attempts"])
    queue_personal(subscriber, NoticeKind.SMS_CODE)


@transaction.atomic
def subscribe_sms(
    page: Page,
    number: str,
    *,
    actor: Actor,
    country: str = "",
    language: str = Language.EN,
    components=None,
) -> Subscriber:
    """Start an SMS subscription: a code is texted, and entering it on the page confirms.

    As with email, the answer never says whether the number was known; a
    confirmed number gets no new code, and one code per number per
    ``CONFIRM_INTERVAL`` whatever the form receives (messages cost money).
    """
    if not sms.configured():
        raise ValidationError({"phone": _("This page does not offer text messages.")})
    number = clean_phone(number, country)
    language = language if language in Language.values else Language.EN
    chosen = _components(page, components)
    subscriber, created = _take_unconfirmed(
        page, SubscriberKind.SMS, number, language, chosen, actor
    )
    throttled = _throttled(subscriber)
    if subscriber.confirmed_at is None and (created or not throttled):
        _send_code(subscriber)
    return subscriber


# A code is good for this long and this many wrong guesses; then a new one is needed.
CODE_LIFETIME_SECONDS = 1800
CODE_ATTEMPTS = 5


@transaction.atomic
def confirm_sms(page: Page, number: str, code: str, *, actor: Actor) -> Subscriber | None:
    """The number's owner typed the code they were sent: the subscription is active.

    None when the code is wrong, expired or used up; a wrong guess is counted
    (and kept: nothing is raised, so the transaction commits it).
    """
    try:
        number = sms.normalize_number(number)
    except ValueError:
        return None
    subscriber = (
        Subscriber.objects.select_for_update()
        .filter(page=page, kind=SubscriberKind.SMS, address=number, unsubscribed_at__isnull=True)
        .first()
    )
    if subscriber is None or subscriber.confirmed_at is not None or not subscriber.sms_code:
        return None
    age = (timezone.now() - subscriber.sms_code_sent_at).total_seconds()
    if age > CODE_LIFETIME_SECONDS or subscriber.sms_code_attempts >= CODE_ATTEMPTS:
        return None
    if not sms.same_code(code, keyring().unseal(subscriber.sms_code)):
        subscriber.sms_code_attempts += 1
        subscriber.save(update_fields=["sms_code_attempts"])
        return None
    before = picture(subscriber)
    subscriber.confirmed_at = timezone.now()
    subscriber.sms_code = ""
    subscriber.save(update_fields=["confirmed_at", "sms_code"])
    _audit(actor, "subscriber.confirm", subscriber, before)
    return subscriber
