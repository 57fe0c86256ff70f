from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aviso.lib.languages import NATIVE_NAMES, page_languages
from aviso.notify import sms
from aviso.notify.choices import Language


class ComponentsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def component_choices(page) -> list[tuple[str, str]]:
    return [(c.code, c.display_name) for c in page.components.select_related("group")]


def language_choices(page, keep: str = "") -> list[tuple[str, str]]:
    """The page's languages, each in its own words (and a subscriber's current one, kept)."""
    codes = page_languages(page.languages)
    if keep and keep in Language.values and keep not in codes:
        codes.append(keep)
    return [(code, NATIVE_NAMES[code]) for code in codes]


class SubscribeForm(forms.Form):
    KIND_CHOICES = [
        ("email", _("Email")),
        ("webhook", _("Webhook")),
        ("slack", _("Slack")),
        ("teams", _("Microsoft Teams")),
        ("sms", _("Text message (SMS)")),
    ]

    kind = forms.ChoiceField(
        choices=KIND_CHOICES, initial="email", widget=forms.RadioSelect, label=_("How")
    )
    email = forms.CharField(label=_("Email address"), max_length=254, required=False)
    url = forms.CharField(
        label=_("Webhook URL (or the Slack or Teams channel's incoming webhook)"),
        max_length=500,
        required=False,
    )
    phone = forms.CharField(
        label=_("Mobile number, with its country code (+15551234567)"),
        max_length=32,
        required=False,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    components = ComponentsField(
        label=_("Only these components (none chosen: all of them)"), required=False
    )

    def __init__(self, *args, page, current_language: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].choices = component_choices(page)
        self.fields["language"].choices = language_choices(page, current_language)
        self.fields["language"].choices = language_choices(page)
        if not sms.configured():
            self.fields["kind"].choices = [c for c in self.KIND_CHOICES if c[0] != "sms"]
            del self.fields["phone"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "email" and not data.get("email"):
            self.add_error("email", _("Enter your email address."))
        if data.get("kind") == "webhook" and not data.get("url"):
            self.add_error("url", _("Enter the URL that should receive the webhooks."))
        if data.get("kind") in ("slack", "teams") and not data.get("url"):
            self.add_error("url", _("Enter the channel's incoming webhook URL."))
        if data.get("kind") == "sms" and not data.get("phone"):
            self.add_error("phone", _("Enter your mobile number."))
        return data


class SmsCodeForm(forms.Form):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(label=_("The code we sent you"), max_length=12)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    components = ComponentsField(
        label=_("Only these components (none chosen: all of them)"), required=False
    )

    def __init__(self, *args, page, current_language: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].choices = component_choices(page)
        self.fields["language"].choices = language_choices(page, current_language)
