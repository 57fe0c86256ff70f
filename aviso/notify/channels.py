"""Operator alert channels: per-kind settings validated by pydantic, and "send test".

A channel's URL (Slack's and Apprise's carry their tokens) and signing secret
are stored sealed and shown as ``[sealed]``; sending ``[sealed]`` back keeps
the stored value.

``save_channel``, ``delete_channel`` and ``send_test`` are the only way channels
change or are written to; each writes its audit entry in the same transaction.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from pydantic import ValidationError as PydanticError

from aviso.lib.sealed import (
    REDACTED,
    Path,
    SealedError,
    SecretFields,
    fill_kept,
    redact_paths,
    seal_paths,
    unseal_paths,
)
from aviso.notify.choices import ActorKindChoices, AlertKind, ChannelKind, NoticeKind
from aviso.notify.models import Channel, Delivery, Notice
from aviso.notify.notices import local_time, page_data
from aviso.notify.transports import apprise_urls
from aviso.status.lifecycle import Actor, record_change
from aviso.status.models import Page
from aviso.status.sealing import keyring


class SlackConf(SecretFields, BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)
    url: HttpUrl


class WebhookConf(SecretFields, BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]] = ("url", "secret")
    url: HttpUrl
    # Optional: when set, alerts carry X-Aviso-Signature like subscriber webhooks.
    secret: str = Field(default="", max_length=200)


class AppriseConf(SecretFields, BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)
    url: str = Field(min_length=3, max_length=2000)


CONFS = {
    ChannelKind.SLACK: SlackConf,
    ChannelKind.WEBHOOK: WebhookConf,
    ChannelKind.APPRISE: AppriseConf,
}


def secret_paths(kind: str, config: dict) -> list[Path]:
    model = CONFS.get(kind)
    return model.secret_paths(config) if model and isinstance(config, dict) else []


def opened_config(kind: str, stored: dict) -> dict:
    """The stored settings with the URL and secret opened (for sending, never shown)."""
    return unseal_paths(keyring(), stored, secret_paths(kind, stored))


def shown_config(kind: str, stored: dict, before: dict | None = None) -> dict:
    """The settings as the console and the audit log show them."""
    return redact_paths(stored, secret_paths(kind, stored), before)


def clean_config(kind: str, config: dict) -> dict:
    """The validated config, or ValidationError naming the field that is wrong."""
    try:
        model = CONFS[ChannelKind(kind)]
    except ValueError:
        raise ValidationError({"kind": f"Unknown channel kind {kind!r}."}) from None
    try:
        cleaned = model.model_validate(config).model_dump(mode="json")
    except PydanticError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "url"
        raise ValidationError({field: first["msg"]}) from None
    if kind == ChannelKind.APPRISE:
        problem = apprise_urls.validate(cleaned["url"])
        if problem:
            raise ValidationError({"url": problem})
    return cleaned


def save_channel(
    channel: Channel | None,
    *,
    name: str,
    kind: str,
    config: dict,
    page: Page | None = None,
    alert_kinds=(),
    actor_kinds=(),
    components=(),
    enabled: bool = True,
    actor: Actor,
) -> Channel:
    errors = {}
    if not (name or "").strip():
        errors["name"] = "A channel needs a name."
    bad = [k for k in alert_kinds if k not in AlertKind.values]
    bad += [k for k in actor_kinds if k not in ActorKindChoices.values]
    if bad:
        errors["alert_kinds"] = f"Unknown routing value {bad[0]!r}."
    stored = channel.config if channel is not None and channel.kind == kind else None
    if isinstance(config, dict):
        try:
            config, kept = fill_kept(keyring(), config, stored, secret_paths(kind, config))
        except SealedError as error:
            kept = {"url": f"{error}; enter it again instead of {REDACTED}"}
        errors |= kept
    if errors:
        raise ValidationError(errors)
    plain = clean_config(kind, config)
    before = None if channel is None or channel.pk is None else _audit(channel)
    stored_before = channel.config if channel is not None else None
    channel = channel or Channel()
    config = seal_paths(keyring(), plain, secret_paths(kind, plain), stored)
    channel.name = name.strip()[:200]
    channel.kind = kind
    channel.config = config
    channel.page = page
    channel.alert_kinds = list(alert_kinds)
    channel.actor_kinds = list(actor_kinds)
    channel.enabled = enabled
    with transaction.atomic():
        channel.save()
        channel.components.set(components)
        record_change(
            actor,
            "channel.update" if before else "channel.create",
            channel,
            before=before,
            after=_audit(channel, stored_before),
            page=channel.page,
        )
    return channel


def _audit(channel: Channel, stored_before: dict | None = None) -> dict:
    """The audit picture of a channel: its URL and secret say "[sealed]"."""
    return {
        "name": channel.name,
        "kind": channel.kind,
        "config": shown_config(channel.kind, channel.config, stored_before),
        "page": channel.page_id,
        "alert_kinds": channel.alert_kinds,
        "actor_kinds": channel.actor_kinds,
        "enabled": channel.enabled,
    }


@transaction.atomic
def delete_channel(channel: Channel, *, actor: Actor) -> None:
    """Remove a channel (its past deliveries go with it)."""
    record_change(
        actor, "channel.delete", channel, before=_audit(channel), after=None, page=channel.page
    )
    channel.delete()


@transaction.atomic
def send_test(channel: Channel, *, actor: Actor, page: Page | None = None) -> Delivery:
    """Queue a test alert to one channel; the console shows how it went."""
    page = page or channel.page or Page.default()
    if page is None:
        raise ValidationError({"page": "Create a status page first."})
    now = timezone.now()
    data = {
        "page": page_data(page),
        "event_kind": "test",
        "actor_kind": "person",
        "title": "Test alert",
        "status": "",
        "body": "If you can read this, Aviso can reach this channel.",
        "at": now.isoformat(),
        "at_local": local_time(now, page),
        "components": [],
        "changes": [],
    }
    notice = Notice.objects.create(kind=NoticeKind.TEST, page=page, data=data)
    record_change(actor, "channel.test", channel, before=None, after=None, page=page)
    return Delivery.objects.create(
        key=f"n{notice.pk}:c{channel.pk}",
        notice=notice,
        channel=channel,
        transport=channel.transport,
    )
