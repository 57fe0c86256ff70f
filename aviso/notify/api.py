"""Subscribers in the management API (v1): list, read, add, change, unsubscribe.

Every change goes through ``aviso.notify.subscriptions``, the same functions
the public form and the console use, so double opt-in, webhook welcome pings
and component choices behave the same whoever asks. docs/api.md says why an
email subscriber added by a token still gets the confirmation mail.
"""

# No `from __future__ import annotations`: django-ninja reads these signatures at
# import time and must see real types inside list[...] and unions.

import datetime as dt
import enum
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from aviso.api import auth
from aviso.api.choices import TokenScope
from aviso.api.common import Pagination, errors, get_by_code, get_page, idempotent
from aviso.api.errors import ApiError
from aviso.api.schemas import Codes, Input, Text
from aviso.notify import chat, subscriptions
from aviso.notify.choices import DeliveryState, Language, SubscriberKind
from aviso.notify.models import Delivery, Subscriber
from aviso.status.models import Component, Page

router = Router(tags=["subscribers"])

Address = Annotated[Text, Field(min_length=1, max_length=500)]


class SubscriberState(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"


STATE_FILTERS = {
    SubscriberState.PENDING: Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True),
    SubscriberState.ACTIVE: Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
    SubscriberState.UNSUBSCRIBED: Q(unsubscribed_at__isnull=False),
}


class SubscriberIn(Input):
    kind: SubscriberKind
    address: Address = Field(
        description=(
            "The email address, the webhook URL, the Slack or Teams incoming-webhook URL "
            "(kept sealed; shown as a label), or the phone number (E.164)."
        )
    )
    language: Language = Language.EN
    components: Codes = Field([], description="Component codes; empty: every component.")
    skip_confirmation: bool = Field(
        False,
        description=(
            "Email only, admin scope: add the subscriber as confirmed, without the "
            "opt-in mail (for consent gathered elsewhere)."
        ),
    )


class SubscriberPatch(Input):
    language: Language | None = None
    components: Codes | None = Field(None, description="Component codes; empty: every component.")


class SubscriberOut(Schema):
    code: str
    kind: str
    address: str
    language: str
    state: SubscriberState
    all_components: bool
    components: list[str]
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None

    @staticmethod
    def resolve_state(obj) -> SubscriberState:
        if obj.unsubscribed_at is not None:
            return SubscriberState.UNSUBSCRIBED
        return SubscriberState.ACTIVE if obj.confirmed_at else SubscriberState.PENDING

    @staticmethod
    def resolve_components(obj) -> list[str]:
        return [c.code for c in obj.components.all()]


class DeliveryOut(Schema):
    id: int
    notice: str
    transport: str
    state: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str

    @staticmethod
    def resolve_notice(obj) -> str:
        return obj.notice.kind


def _subscribers(page: Page) -> QuerySet:
    return Subscriber.objects.filter(page=page).prefetch_related(
        Prefetch("components", queryset=Component.objects.only("id", "code"))
    )


def _get(page: str, code: str) -> Subscriber:
    return get_by_code(_subscribers(get_page(page)), code, "subscriber")


def _refused(error: ValidationError) -> ApiError:
    """The notify app's form errors as field messages; its email/url are our address."""
    fields = {"email": "address", "url": "address", "phone": "address", "__all__": "body"}
    if not hasattr(error, "error_dict"):
        return ApiError(422, "Some fields are invalid.", {"body": " ".join(error.messages)})
    messages = {fields.get(k, k): " ".join(v) for k, v in error.message_dict.items()}
    return ApiError(422, "Some fields are invalid.", messages)


@router.get("/{page}/subscribers", response={200: list[SubscriberOut], **errors()}, auth=auth.READ)
@paginate(Pagination)
def list_subscribers(
    request: HttpRequest,
    page: str,
    kind: SubscriberKind | None = None,
    state: list[SubscriberState] | None = Query(None),  # noqa: B008
):
    subscribers = _subscribers(get_page(page)).order_by("-created_at", "-id")
    if kind is not None:
        subscribers = subscribers.filter(kind=kind)
    if state:
        combined = Q()
        for one in set(state):
            combined |= STATE_FILTERS[one]
        subscribers = subscribers.filter(combined)
    return subscribers


@router.post("/{page}/subscribers", response={201: SubscriberOut, **errors(409)}, auth=auth.WRITE)
@decorate_view(idempotent)
def create_subscriber(request: HttpRequest, page: str, payload: SubscriberIn):
    target = get_page(page)
    kind = SubscriberKind(payload.kind)
    if payload.skip_confirmation:
        # Skipping the opt-in vouches for someone's consent: only an admin may.
        auth.require_scope(request, TokenScope.ADMIN)
        if kind != SubscriberKind.EMAIL:
            # A webhook's or channel's welcome proves the URL answers; a number's code
            # is its owner's consent.
            raise ApiError(
                422,
                "Some fields are invalid.",
                {"skip_confirmation": "Only email subscribers can be added as confirmed."},
            )
    try:
        if kind == SubscriberKind.EMAIL:
            address = subscriptions.clean_email(payload.address)
        elif kind == SubscriberKind.SMS:
            address = subscriptions.clean_phone(payload.address)
        elif kind in SubscriberKind.chat_values():
            address = chat.label(subscriptions.clean_webhook_url(payload.address))
        else:
            address = subscriptions.clean_webhook_url(payload.address)
        current = Subscriber.objects.filter(
            page=target, kind=kind, address=address, unsubscribed_at__isnull=True
        ).first()
        if current is not None:
            raise ApiError(
                409,
                "This address is already subscribed to this page.",
                {"address": f"Already subscribed as {current.code}."},
            )
        who = auth.actor(request)
        if payload.skip_confirmation:
            # An address that unsubscribed is sent a new confirmation instead (pending).
            subscriptions.add_confirmed(
                target,
                kind,
                address,
                actor=who,
                language=payload.language,
                components=payload.components,
            )
        elif kind == SubscriberKind.EMAIL:
            subscriptions.subscribe_email(
                target,
                address,
                actor=who,
                language=payload.language,
                components=payload.components,
            )
        elif kind == SubscriberKind.SMS:
            subscriptions.subscribe_sms(
                target,
                address,
                actor=who,
                language=payload.language,
                components=payload.components,
            )
        elif kind in SubscriberKind.chat_values():
            subscriptions.subscribe_chat(
                target,
                kind,
                payload.address,
                actor=who,
                language=payload.language,
                components=payload.components,
            )
        else:
            subscriptions.subscribe_webhook(
                target, address, actor=who, components=payload.components
            )
    except ValidationError as error:
        raise _refused(error) from None
    return 201, _subscribers(target).get(kind=kind, address=address)


@router.get("/{page}/subscribers/{code}", response={200: SubscriberOut, **errors()}, auth=auth.READ)
def get_subscriber(request: HttpRequest, page: str, code: str):
    return _get(page, code)


@router.patch(
    "/{page}/subscribers/{code}", response={200: SubscriberOut, **errors()}, auth=auth.WRITE
)
def update_subscriber(request: HttpRequest, page: str, code: str, payload: SubscriberPatch):
    subscriber = _get(page, code)
    if payload.components is None:
        components = [c.code for c in subscriber.components.all()]
    else:
        components = payload.components
    try:
        subscriptions.update_preferences(
            subscriber,
            actor=auth.actor(request),
            language=payload.language or subscriber.language,
            components=components,
        )
    except ValidationError as error:
        raise _refused(error) from None
    return _subscribers(subscriber.page).get(pk=subscriber.pk)


@router.delete("/{page}/subscribers/{code}", response={204: None, **errors()}, auth=auth.WRITE)
def unsubscribe(request: HttpRequest, page: str, code: str):
    # Kept as unsubscribed, not removed: its delivery history stays, and the sender
    # skips its pending incident and maintenance messages.
    subscriptions.unsubscribe(_get(page, code), actor=auth.actor(request))
    return 204, None


@router.get(
    "/{page}/subscribers/{code}/deliveries",
    response={200: list[DeliveryOut], **errors()},
    auth=auth.READ,
)
@paginate(Pagination)
def list_deliveries(
    request: HttpRequest,
    page: str,
    code: str,
    state: list[DeliveryState] | None = Query(None),  # noqa: B008
):
    deliveries = Delivery.objects.filter(subscriber=_get(page, code)).select_related("notice")
    if state:
        deliveries = deliveries.filter(state__in=state)
    return deliveries.order_by("-id")
