"""Operator alert channels: per-kind settings validated by pydantic, and "send test".

``save_channel`` and ``delete_channel`` are the only way channels change; each
writes its audit entry in the same transaction. The audit keeps which settings
a channel has, never their values: a Slack or Apprise URL is itself a secret.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from pydantic import ValidationError as PydanticError

from aviso.notify.choices import ActorKindChoices, AlertKind, ChannelKind, NoticeKind
from aviso.notify.models import Channel, Delivery, Notice
from aviso.notify.notices import local_time, page_data
from aviso.notify.transports import apprise_urls
from aviso.status.lifecycle import Actor
from aviso.status.lifecycle.records import record
from aviso.status.models import Page


class SlackConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl


class WebhookConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: HttpUrl
    # Optional: when set, alerts carry X-Aviso-Signature like subscriber webhooks.
    secret: str = Field(default="", max_length=200)


class AppriseConf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=3, max_length=2000)


CONFS = {
    ChannelKind.SLACK: SlackConf,
    ChannelKind.WEBHOOK: WebhookConf,
    ChannelKind.APPRISE: AppriseConf,
}


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


def picture(channel: Channel | None) -> dict | None:
    """The channel as the audit log keeps it: settings named, their values left out."""
    if channel is None or channel.pk is None:
        return None
    return {
        "name": channel.name,
        "kind": channel.kind,
        "page": channel.page.slug if channel.page_id else None,
        "config": sorted(channel.config),
        "alert_kinds": list(channel.alert_kinds),
        "actor_kinds": list(channel.actor_kinds),
        "components": sorted(channel.components.values_list("code", flat=True)),
        "enabled": channel.enabled,
    }


def save_channel(
    channel: Channel | None,
    *,
    actor: Actor,
    name: str,
    kind: str,
    config: dict,
    page: Page | None = None,
    alert_kinds=(),
    actor_kinds=(),
    components=(),
    enabled: bool = True,
) -> Channel:
    errors = {}
    if not (name or "").strip():
        errors["name"] = "A channel needs a name."
    bad = [k for k in alert_kinds if k not in AlertKind.values]
    bad += [k for k in actor_kinds if k not in ActorKindChoices.values]
    if bad:
        errors["alert_kinds"] = f"Unknown routing value {bad[0]!r}."
    if errors:
        raise ValidationError(errors)
    config = clean_config(kind, config)
    with transaction.atomic():
        if channel is not None and channel.pk is not None:
            channel = Channel.objects.select_for_update().get(pk=channel.pk)
        before = picture(channel)
        changed_config = channel is not None and channel.config != config
        channel = channel or Channel()
        channel.name = name.strip()[:200]
        channel.kind = kind
        channel.config = config
        channel.page = page
        channel.alert_kinds = list(alert_kinds)
        channel.actor_kinds = list(actor_kinds)
        channel.enabled = enabled
        channel.save()
        channel.components.set(components)
        after = picture(channel)
        if changed_config:
            after["config_changed"] = True  # a new URL or secret, not shown
        if after != before:
            record(
                actor,
                "channel.update" if before else "channel.create",
                channel,
                page=channel.page,
                before=before,
                after=after,
                event=None,  # operators' settings: nothing public changed
            )
    return channel


@transaction.atomic
def delete_channel(channel: Channel, *, actor: Actor) -> None:
    """Remove a channel (its past deliveries go with it)."""
    record(
        actor,
        "channel.delete",
        channel,
        page=channel.page,
        before=picture(channel),
        after=None,
        event=None,
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
    record(actor, "channel.test", channel, page=page, before=None, after=None, event=None)
    return Delivery.objects.create(
        key=f"n{notice.pk}:c{channel.pk}",
        notice=notice,
        channel=channel,
        transport=channel.transport,
    )
