"""The console's monitor form: common settings plus the kind's JSON configuration.

Validation is the lifecycle's (the same as the API's); its messages land on
the field they name, ``config.url`` on the configuration box.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from aviso.monitors.choices import MonitorKind
from aviso.monitors.configs import CONF_BY_KIND, shown_config
from aviso.status.models import Component


def kind_help() -> list[dict]:
    """Each kind's configuration keys with their defaults, for the form's help."""
    out = []
    for kind, conf in CONF_BY_KIND.items():
        keys = []
        for name, field in conf.model_fields.items():
            default = _("required") if field.is_required() else json.dumps(field.get_default(
                call_default_factory=True))  # fmt: skip
            keys.append((name, default))
        out.append({"kind": kind, "label": MonitorKind(kind).label, "keys": keys})
    return out


class MonitorForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=MonitorKind.choices, label=_("Kind"))
    component = forms.ModelChoiceField(
        queryset=Component.objects.select_related("page", "group").order_by("page", "name"),
        required=False,
        label=_("Component"),
    )
    interval_seconds = forms.IntegerField(initial=60, label=_("Interval (seconds)"))
    timeout_seconds = forms.FloatField(initial=10, label=_("Timeout (seconds)"))
    confirmations_down = forms.IntegerField(initial=2, label=_("Failed checks before down"))
    confirmations_up = forms.IntegerField(initial=1, label=_("Good checks before up"))
    regions = forms.CharField(
        required=False, label=_("Regions"), help_text=_("Comma-separated; empty: any checker")
    )
    paused = forms.BooleanField(required=False, label=_("Paused"))
    config = forms.CharField(
        label=_("Configuration"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_("JSON object; the keys for each kind are listed below."),
    )

    def clean_config(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["config"])
        except ValueError as error:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s"), params={"error": error}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Must be a JSON object."))
        return value

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["regions"] = data.get("regions") or ""
        return data

    def add_lifecycle_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field = key.split(".", 1)[0]
            if key.startswith("config."):
                message = f"{key.removeprefix('config.')}: {message}"
            self.add_error(field if field in self.fields else None, message)

    @classmethod
    def initial_for(cls, monitor) -> dict:
        return {
            "name": monitor.name,
            "kind": monitor.kind,
            "component": monitor.component_id,
            "interval_seconds": monitor.interval_seconds,
            "timeout_seconds": monitor.timeout_seconds,
            "confirmations_down": monitor.confirmations_down,
            "confirmations_up": monitor.confirmations_up,
            "regions": ", ".join(monitor.region_list),
            "paused": monitor.paused,
            # Secrets show as "[sealed]"; sent back unchanged, they keep the stored value.
            "config": json.dumps(shown_config(monitor.kind, monitor.config), indent=2),
        }
