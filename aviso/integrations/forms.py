"""Console forms: an integration (settings as JSON) and a mirrored component."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from aviso.integrations.choices import IntegrationKind
from aviso.status.models import Component, Page


class _LifecycleErrors:
    def add_lifecycle_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field = key.split(".", 1)[0]
            if key.startswith("config."):
                message = f"{key.removeprefix('config.')}: {message}"
            self.add_error(field if field in self.fields else None, message)


class IntegrationForm(_LifecycleErrors, forms.Form):
    page = forms.ModelChoiceField(Page.objects.order_by("name"), label=_("Page"))
    kind = forms.ChoiceField(choices=IntegrationKind.choices, label=_("Kind"))
    name = forms.CharField(max_length=200, label=_("Name"))
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))
    secret = forms.CharField(
        required=False, max_length=200, widget=forms.PasswordInput, label=_("Signing secret"),
        help_text=_("Slack only: the app's signing secret (Aviso makes the other kinds' secrets)."),
    )  # fmt: skip
    config = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), required=False, initial="{}",
        label=_("Settings (JSON)"),
        help_text=_("Empty braces take the defaults; docs/integrations.md lists every key."),
    )  # fmt: skip

    def clean_config(self) -> dict:
        text = self.cleaned_data.get("config") or "{}"
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Not valid JSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Must be a JSON object."))
        return value


class MirrorForm(_LifecycleErrors, forms.Form):
    component = forms.ModelChoiceField(
        Component.objects.select_related("page").order_by("page__name", "name"),
        label=_("Component"),
    )
    vendor = forms.CharField(max_length=100, label=_("Vendor"))
    page_url = forms.CharField(
        max_length=500, label=_("Vendor's status page"),
        help_text=_("Its address, e.g. https://discordstatus.com"),
    )  # fmt: skip
    upstream_id = forms.CharField(
        max_length=64, label=_("Vendor's component id"),
        help_text=_("The id in the vendor's /api/v2/components.json"),
    )  # fmt: skip
    interval_seconds = forms.IntegerField(initial=300, min_value=30, label=_("Poll every (s)"))
    notify_subscribers = forms.BooleanField(
        required=False, label=_("Tell subscribers when it changes")
    )
