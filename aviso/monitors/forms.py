"""The console's monitor form: the common settings plus the chosen kind's own fields.

The kind's fields come from its settings model (``kind_forms``). Validation is
the lifecycle's (the same as the API's); its messages land on the field they
name, ``config.url`` on the URL box, a rule across fields above the kind's box.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from aviso.monitors import kind_forms
from aviso.monitors.choices import MonitorKind
from aviso.monitors.configs import shown_config
from aviso.monitors.field_text import KIND_DESCRIPTIONS
from aviso.monitors.models import Monitor
from aviso.status.models import Component

# Settings shown first whatever the kind; the others are under "More settings".
MAIN = {
    "url", "host", "port", "name", "method", "keyword", "expected_status", "auth", "username",
    "password", "token", "dsn", "database", "vhost", "queue", "topic", "subject", "service",
    "send", "expect", "steps", "expected_text", "record_type", "server", "expected", "tls",
    "period_seconds", "grace_seconds", "degraded_latency_ms", "count",
}  # fmt: skip
COMMON = ("name", "kind", "component", "depends_on")
SCHEDULE = (
    "interval_seconds", "timeout_seconds", "confirmations_down", "confirmations_up",
    "regions", "paused",
)  # fmt: skip


class MonitorForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    kind = forms.ChoiceField(choices=MonitorKind.choices, label=_("Kind"))
    component = forms.ModelChoiceField(
        queryset=Component.objects.select_related("page", "group").order_by("page", "name"),
        required=False,
        label=_("Component"),
    )
    depends_on = forms.ModelChoiceField(
        queryset=Monitor.objects.order_by("name"),
        required=False,
        label=_("Depends on"),
        help_text=_("While that monitor is down, this one's failures join its outage"),
    )
    interval_seconds = forms.IntegerField(initial=60, label=_("Interval (seconds)"))
    timeout_seconds = forms.FloatField(initial=10, label=_("Timeout (seconds)"))
    confirmations_down = forms.IntegerField(initial=2, label=_("Failed checks before down"))
    confirmations_up = forms.IntegerField(initial=1, label=_("Good checks before up"))
    regions = forms.CharField(
        required=False, label=_("Regions"), help_text=_("Comma-separated; empty: any checker")
    )
    paused = forms.BooleanField(required=False, label=_("Paused"))

    def __init__(self, *args, kind: str, stored: dict | None = None, **kwargs):
        """``kind``: whose fields to show; ``stored``: the monitor's settings when editing."""
        super().__init__(*args, **kwargs)
        self.config_kind, self.stored = kind, stored
        self.fields["kind"].initial = kind
        self.fields.update(kind_forms.config_fields(kind, stored))
        self.kind_error = ""  # a settings rule across fields ("a password needs a username")

    @property
    def kind_label(self):
        return MonitorKind(self.config_kind).label

    @property
    def kind_description(self):
        return KIND_DESCRIPTIONS.get(self.config_kind, "")

    def common_fields(self) -> list:
        return [self[name] for name in COMMON]

    def config_fields(self) -> list:
        """The kind's main settings: what it needs and what most monitors set."""
        return [self[n] for n in kind_forms.names(self.config_kind) if self._main(n)]

    def more_fields(self) -> list:
        """The rest (thresholds, TLS details, proxies), folded away under "More settings"."""
        return [self[n] for n in kind_forms.names(self.config_kind) if not self._main(n)]

    def more_has_errors(self) -> bool:
        return any(field.errors for field in self.more_fields())

    def _main(self, name: str) -> bool:
        return self.fields[name].required or name.removeprefix(kind_forms.PREFIX) in MAIN

    def schedule_fields(self) -> list:
        return [self[name] for name in SCHEDULE]

    def values(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in COMMON}
        data.update({name: self.cleaned_data.get(name) for name in SCHEDULE})
        data["regions"] = data.get("regions") or ""
        data["config"] = kind_forms.settings_from(self.config_kind, self.cleaned_data, self.stored)
        return data

    def add_lifecycle_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            field, prefix = kind_forms.field_for_error(key)
            if field is None:
                self.kind_error = message
                self.add_error(None, message)
            else:
                self.add_error(field if field in self.fields else None, prefix + message)

    @classmethod
    def initial_for(cls, monitor) -> dict:
        return {
            "name": monitor.name,
            "kind": monitor.kind,
            "component": monitor.component_id,
            "depends_on": monitor.depends_on_id,
            "interval_seconds": monitor.interval_seconds,
            "timeout_seconds": monitor.timeout_seconds,
            "confirmations_down": monitor.confirmations_down,
            "confirmations_up": monitor.confirmations_up,
            "regions": ", ".join(monitor.region_list),
            "paused": monitor.paused,
            **kind_forms.shown_values(monitor.kind, shown_config(monitor.kind, monitor.config)),
        }
