"""Console screens for operators: alert channels, subscribers, deliveries.

Plain server-rendered pages on their own small base template, to be moved onto
the console's layout when it lands.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor
from aviso.notify import channels as channel_ops
from aviso.notify import retry, subscriptions
from aviso.notify.choices import (
    ActorKindChoices,
    AlertKind,
    ChannelKind,
    DeliveryState,
    Language,
    SubscriberKind,
)
from aviso.notify.models import Channel, Delivery, Subscriber
from aviso.status.models import Component, Page

# Channels and subscriber lists are the admins'; responders watch and retry deliveries.
admin_only = console_view(Role.ADMIN)
responders = console_view(Role.RESPONDER)


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=ChannelKind.choices, label=_("Kind"))
    url = forms.CharField(
        max_length=2000,
        label=_("URL"),
        help_text=_(
            "Slack or webhook URL, or any Apprise URL. Stored sealed: once saved it shows "
            "as [sealed]; leave that to keep it, or type a new one to replace it."
        ),
    )
    secret = forms.CharField(
        max_length=200,
        required=False,
        label=_("Signing secret"),
        help_text=_("JSON webhooks: signs each request. Stored sealed, shown as [sealed]."),
    )
    page = forms.ModelChoiceField(
        Page.objects.all(), required=False, empty_label=_("All pages"), label=_("Page")
    )
    alert_kinds = forms.MultipleChoiceField(
        choices=AlertKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Alert kinds"),
    )
    actor_kinds = forms.MultipleChoiceField(
        choices=ActorKindChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Changes made by"),
    )
    components = forms.ModelMultipleChoiceField(
        Component.objects.select_related("page", "group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Components"),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@admin_only
def channels(request: HttpRequest, code: str | None = None) -> HttpResponse:
    channel = get_object_or_404(Channel, code=code) if code else None
    if request.method == "POST":
        form = ChannelForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            config = {"url": data["url"]}
            if data["kind"] == ChannelKind.WEBHOOK and data["secret"]:
                config["secret"] = data["secret"]
            try:
                channel_ops.save_channel(
                    channel,
                    actor=actor(request),
                    name=data["name"],
                    kind=data["kind"],
                    config=config,
                    page=data["page"],
                    alert_kinds=data["alert_kinds"],
                    actor_kinds=data["actor_kinds"],
                    components=data["components"],
                    enabled=data["enabled"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Channel saved."))
                return redirect("notify:console-channels")
    elif channel:
        # Write-only: the form shows "[sealed]" where a URL or secret is set, never the value.
        shown = channel_ops.shown_config(channel.kind, channel.config)
        form = ChannelForm(
            initial={
                "name": channel.name,
                "kind": channel.kind,
                "url": shown.get("url", ""),
                "secret": shown.get("secret", ""),
                "page": channel.page,
                "alert_kinds": channel.alert_kinds,
                "actor_kinds": channel.actor_kinds,
                "components": channel.components.all(),
                "enabled": channel.enabled,
            }
        )
    else:
        form = ChannelForm()
    listing = Channel.objects.select_related("page").annotate(
        dead=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD))
    )
    return render(
        request,
        "notify/console/channels.html",
        {"channels": listing, "form": form, "editing": channel},
        status=400 if form.errors else 200,
    )


@admin_only
@require_POST
def channel_test(request: HttpRequest, code: str) -> HttpResponse:
    channel = get_object_or_404(Channel, code=code)
    try:
        delivery = channel_ops.send_test(channel, actor=actor(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("notify:console-channels")
    messages.success(request, _("Test queued: the worker sends it within seconds."))
    return redirect(f"{_deliveries_url()}?channel={channel.code}#d{delivery.pk}")


@admin_only
@require_POST
def channel_delete(request: HttpRequest, code: str) -> HttpResponse:
    channel_ops.delete_channel(get_object_or_404(Channel, code=code), actor=actor(request))
    messages.success(request, _("Channel deleted."))
    return redirect("notify:console-channels")


class AddSubscriberForm(forms.Form):
    page = forms.ModelChoiceField(Page.objects.all(), label=_("Page"))
    kind = forms.ChoiceField(choices=SubscriberKind.choices, label=_("Kind"))
    address = forms.CharField(
        max_length=500, label=_("Email address, webhook URL or phone number (+15551234567)")
    )
    language = forms.ChoiceField(choices=Language.choices, label=_("Language"))


def _add_subscriber(request: HttpRequest, data: dict) -> Subscriber | None:
    """An email the admin vouches for is added confirmed; a webhook gets its welcome ping."""
    if data["kind"] == SubscriberKind.WEBHOOK:
        return subscriptions.subscribe_webhook(data["page"], data["address"], actor=actor(request))
    if data["kind"] in SubscriberKind.chat_values():
        return subscriptions.subscribe_chat(
            data["page"],
            data["kind"],
            data["address"],
            actor=actor(request),
            language=data["language"],
        )
    if data["kind"] == SubscriberKind.SMS:
        # Consent to texts is the number owner's to give: they are sent the code.
        return subscriptions.subscribe_sms(
            data["page"], data["address"], actor=actor(request), language=data["language"]
        )
    return subscriptions.add_confirmed(
        data["page"], data["kind"], data["address"], actor=actor(request), language=data["language"]
    )


def _added_message(data: dict, subscriber: Subscriber | None) -> str:
    if subscriber is None:
        return _("%(a)s is already subscribed.") % {"a": data["address"]}
    if subscriber.kind == SubscriberKind.WEBHOOK:
        return _(
            "Webhook added: %(a)s. It becomes active when it answers the welcome ping, "
            "which carries its signing secret."
        ) % {"a": subscriber.address}
    if subscriber.kind in SubscriberKind.chat_values():
        return _("Channel added: %(a)s. It becomes active when it accepts the welcome message.") % {
            "a": subscriber.address
        }
    if subscriber.kind == SubscriberKind.SMS and subscriber.confirmed_at is None:
        return _(
            "%(a)s was sent a confirmation code; it stays pending until its owner enters "
            "it on the subscribe page."
        ) % {"a": subscriber.address}
    if subscriber.confirmed_at is None:
        return _(
            "%(a)s had unsubscribed, so it was sent a new confirmation mail; it stays "
            "pending until its owner confirms."
        ) % {"a": subscriber.address}
    return _("Subscriber added: %(a)s") % {"a": subscriber.address}


@admin_only
def subscribers(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = AddSubscriberForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscriber = _add_subscriber(request, data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _added_message(data, subscriber))
                return redirect("notify:console-subscribers")
    else:
        form = AddSubscriberForm(initial={"page": Page.default()})
    listing = Subscriber.objects.select_related("page").order_by("-id")
    query = request.GET.get("q", "").strip()
    if query:
        listing = listing.filter(address__icontains=query)
    state = request.GET.get("state")
    if state == "active":
        listing = listing.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    elif state == "pending":
        listing = listing.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
    elif state == "unsubscribed":
        listing = listing.filter(unsubscribed_at__isnull=False)
    rows = Paginator(listing, 100).get_page(request.GET.get("p"))
    counts = Subscriber.objects.aggregate(
        active=Count("id", filter=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)),
        total=Count("id"),
    )
    return render(
        request,
        "notify/console/subscribers.html",
        {"rows": rows, "form": form, "query": query, "state": state, "counts": counts},
        status=400 if form.errors else 200,
    )


@admin_only
@require_POST
def subscriber_remove(request: HttpRequest, code: str) -> HttpResponse:
    subscriber = get_object_or_404(Subscriber, code=code)
    subscriptions.unsubscribe(subscriber, actor=actor(request))
    messages.success(request, _("Unsubscribed %(a)s.") % {"a": subscriber.address})
    return redirect("notify:console-subscribers")


def _deliveries_url() -> str:
    from django.urls import reverse

    return reverse("notify:console-deliveries")


@responders
def deliveries(request: HttpRequest) -> HttpResponse:
    listing = Delivery.objects.select_related("subscriber", "channel", "notice").order_by("-id")
    state = request.GET.get("state")
    if state in DeliveryState.values:
        listing = listing.filter(state=state)
    if request.GET.get("channel"):
        listing = listing.filter(channel__code=request.GET["channel"])
    rows = Paginator(listing, 100).get_page(request.GET.get("p"))
    counts = dict(
        Delivery.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    return render(
        request,
        "notify/console/deliveries.html",
        {
            "rows": rows,
            "state": state,
            "states": [(v, label, counts.get(v, 0)) for v, label in DeliveryState.choices],
        },
    )


@responders
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a dead delivery a fresh set of tries, starting now."""
    if retry.retry_dead(pk, actor=actor(request)):
        messages.success(request, _("Delivery queued again."))
    else:
        messages.error(request, _("Only a dead delivery can be retried."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = _deliveries_url()
    return redirect(target)
