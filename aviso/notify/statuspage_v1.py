"""Subscribers in Statuspage's management API (``/v1/pages/{page_id}/subscribers``).

Mounted by ``aviso.api.v1.urls`` (``routes``). Every change goes through
``aviso.notify.subscriptions``, like the console, the public form and Aviso's
own API: an email still gets its confirmation (unless an admin key skips it),
a webhook its welcome ping.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from aviso.api.choices import TokenScope
from aviso.api.statuspage import timestamp
from aviso.api.v1.http import (
    V1Error,
    actor,
    boolean,
    id_list,
    not_found,
    ok,
    page_of,
    paged,
    resource,
    string,
    valid_id,
    wrapped,
)
from aviso.notify import chat, sms, subscriptions
from aviso.notify.choices import SubscriberKind
from aviso.notify.models import Subscriber
from aviso.status.models import Component, Page

READ, WRITE, ADMIN = TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN
STATES = {
    "active": Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
    "unconfirmed": Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True),
    "all": Q(unsubscribed_at__isnull=True),
    # Aviso does not quarantine addresses that bounce: none ever are.
    "quarantined": Q(pk__in=[]),
}


def subscriber_object(subscriber: Subscriber, page: Page) -> dict:
    kind = subscriber.kind
    email = subscriber.address if kind == SubscriberKind.EMAIL else None
    endpoint = subscriber.address if kind == SubscriberKind.WEBHOOK else None
    phone = subscriber.address if kind == SubscriberKind.SMS else None
    # A channel's URL is its credential: write-only, shown as its label.
    channel = subscriber.address if kind in SubscriberKind.chat_values() else None
    return {
        "id": subscriber.code,
        "mode": kind,
        "email": email,
        "endpoint": endpoint,
        "phone_number": phone,
        "phone_country": None,
        "display_phone_number": sms.display_number(phone) if phone else None,
        "obfuscated_channel_name": channel,
        "workspace_name": None,
        "quarantined_at": None,
        "purge_at": None,
        "components": (
            [] if subscriber.all_components else [c.code for c in subscriber.components.all()]
        ),
        "page_access_user_id": None,
        "created_at": timestamp(subscriber.created_at, page.zone),
        "skip_confirmation_notification": False,
    }


def _subscribers(page: Page) -> QuerySet:
    return Subscriber.objects.filter(page=page).prefetch_related(
        Prefetch("components", queryset=Component.objects.only("id", "code"))
    )


def _get(page: Page, subscriber_id: str) -> Subscriber:
    found = (
        _subscribers(page).filter(code=subscriber_id).first() if valid_id(subscriber_id) else None
    )
    if found is None:
        raise not_found("subscriber")
    return found


def _refused(error: ValidationError) -> V1Error:
    if not hasattr(error, "error_dict"):
        return V1Error(422, " ".join(error.messages))
    names = {"url": "endpoint", "phone": "phone_number", "__all__": "subscriber"}
    text = "; ".join(f"{names.get(k, k)}: {' '.join(v)}" for k, v in error.message_dict.items())
    return V1Error(422, text)


def _listed(request: HttpRequest, page: Page, base: Q) -> list[Subscriber]:
    rows = _subscribers(page).filter(base).order_by("-created_at", "-id")
    kind = request.GET.get("type")
    if kind:
        if kind not in SubscriberKind.values:
            raise V1Error(400, f"type must be one of {', '.join(SubscriberKind.values)}.")
        rows = rows.filter(kind=kind)
    query = (request.GET.get("q") or "").strip()
    if query:
        rows = rows.filter(address__icontains=query)
    return paged(request, rows)


def list_subscribers(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    state = request.GET.get("state") or "active"
    if state not in STATES:
        raise V1Error(400, f"state must be one of {', '.join(STATES)}.")
    return ok([subscriber_object(s, page) for s in _listed(request, page, STATES[state])])


def list_unsubscribed(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    rows = _listed(request, page, Q(unsubscribed_at__isnull=False))
    return ok([subscriber_object(s, page) for s in rows])


def count_subscribers(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    state = request.GET.get("state") or "active"
    if state not in STATES:
        raise V1Error(400, f"state must be one of {', '.join(STATES)}.")
    rows = Subscriber.objects.filter(page=page).filter(STATES[state])
    if request.GET.get("type"):
        rows = rows.filter(kind=request.GET["type"])
    return ok({"count": rows.count()})


def create_subscriber(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "subscriber")
    email, endpoint = string(data, "email"), string(data, "endpoint")
    phone, mode = string(data, "phone_number"), string(data, "mode") or ""
    components = id_list(data, "component_ids") or id_list(data, "components") or []
    skip = boolean(data, "skip_confirmation_notification", False)
    if sum(bool(v) for v in (email, endpoint, phone)) != 1:
        raise V1Error(
            422, "Give one of email, endpoint (with mode slack or teams) or phone_number."
        )
    if email:
        kind = SubscriberKind.EMAIL
    elif phone:
        kind = SubscriberKind.SMS
    elif mode in SubscriberKind.chat_values():
        kind = SubscriberKind(mode)
    else:
        kind = SubscriberKind.WEBHOOK
    who = actor(request)
    if skip:
        if kind != SubscriberKind.EMAIL:
            raise V1Error(
                422,
                "skip_confirmation_notification: only an email subscriber can skip it; a "
                "webhook or channel answers its welcome, a phone enters its code.",
            )
        # Skipping the opt-in vouches for someone's consent: only an admin key may.
        if not request.auth.effective_scope.allows(ADMIN):
            raise V1Error(403, "skip_confirmation_notification needs an admin key.")
    try:
        if kind == SubscriberKind.EMAIL:
            address = subscriptions.clean_email(email)
        elif kind == SubscriberKind.SMS:
            address = subscriptions.clean_phone(phone, string(data, "phone_country") or "")
        elif kind in SubscriberKind.chat_values():
            address = chat.label(subscriptions.clean_webhook_url(endpoint))
        else:
            address = subscriptions.clean_webhook_url(endpoint)
        current = Subscriber.objects.filter(
            page=page, kind=kind, address=address, unsubscribed_at__isnull=True
        ).first()
        if current is not None:
            raise V1Error(409, f"This subscriber exists already ({current.code}).")
        if skip:
            subscriptions.add_confirmed(page, kind, address, actor=who, components=components)
        elif kind == SubscriberKind.EMAIL:
            subscriptions.subscribe_email(page, address, actor=who, components=components)
        elif kind == SubscriberKind.SMS:
            subscriptions.subscribe_sms(page, address, actor=who, components=components)
        elif kind in SubscriberKind.chat_values():
            subscriptions.subscribe_chat(page, kind, endpoint, actor=who, components=components)
        else:
            subscriptions.subscribe_webhook(page, address, actor=who, components=components)
    except ValidationError as error:
        raise _refused(error) from None
    subscriber = _subscribers(page).get(kind=kind, address=address)
    answer = subscriber_object(subscriber, page)
    answer["skip_confirmation_notification"] = bool(skip)
    return ok(answer, 201)


def get_subscriber(request: HttpRequest, page_id: str, subscriber_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(subscriber_object(_get(page, subscriber_id), page))


def update_subscriber(request: HttpRequest, page_id: str, subscriber_id: str) -> HttpResponse:
    page = page_of(page_id)
    subscriber = _get(page, subscriber_id)
    data = wrapped(request, "subscriber")
    components = id_list(data, "component_ids")
    if components is not None:
        try:
            subscriptions.update_preferences(
                subscriber,
                actor=actor(request),
                language=subscriber.language,
                components=components,
            )
        except ValidationError as error:
            raise _refused(error) from None
    return ok(subscriber_object(_get(page, subscriber_id), page))


def delete_subscriber(request: HttpRequest, page_id: str, subscriber_id: str) -> HttpResponse:
    # Kept as unsubscribed, not removed: its delivery history stays.
    page = page_of(page_id)
    subscriptions.unsubscribe(_get(page, subscriber_id), actor=actor(request))
    return ok(subscriber_object(_get(page, subscriber_id), page))


ID = r"(?P<subscriber_id>[^/.]+)"
routes = [
    (
        "subscribers",
        resource({"GET": (READ, list_subscribers), "POST": (WRITE, create_subscriber)}),
        "subscribers",
    ),
    ("subscribers/count", resource({"GET": (READ, count_subscribers)}), "subscribers-count"),
    (
        "subscribers/unsubscribed",
        resource({"GET": (READ, list_unsubscribed)}),
        "subscribers-unsubscribed",
    ),
    (
        f"subscribers/{ID}",
        resource(
            {
                "GET": (READ, get_subscriber),
                "PATCH": (WRITE, update_subscriber),
                "DELETE": (WRITE, delete_subscriber),
            }
        ),
        "subscriber",
    ),
]
