"""The per-kind form fields, derived from each kind's settings model."""

from __future__ import annotations

import pytest
from django import forms

from aviso.monitors import kind_forms
from aviso.monitors.configs import CONF_BY_KIND, parse_config
from aviso.monitors.forms import MonitorForm
from aviso.monitors.tests.factories import make_monitor

pytestmark = pytest.mark.django_db

# The fields each kind requires (everything else has a default).
REQUIRED = {
    "http": {"url": "http://127.0.0.1:8080/"},
    "tls": {"host": "127.0.0.1"},
    "tcp": {"host": "127.0.0.1", "port": 5432},
    "dns": {"name": "status.example"},
    "heartbeat": {},
    "postgres": {"dsn": "postgresql://aviso:pw@127.0.0.1:5432/aviso"},
    "redis": {"host": "127.0.0.1"},
    "mysql": {"host": "127.0.0.1", "username": "aviso"},
    "smtp": {"host": "127.0.0.1"},
    "websocket": {"url": "ws://127.0.0.1:8080/live"},
    "mqtt": {"host": "127.0.0.1"},
    "amqp": {"host": "127.0.0.1"},
    "nats": {"host": "127.0.0.1"},
    "grpc": {"host": "127.0.0.1"},
    "ping": {"host": "127.0.0.1"},
    "browser": {"url": "http://127.0.0.1:8080/"},
}
COMMON = {"name": "m", "interval_seconds": 60, "timeout_seconds": 5,
          "confirmations_down": 2, "confirmations_up": 1}  # fmt: skip


def as_post(initial: dict) -> dict:
    """What a browser sends for a form showing ``initial``: no box for False, "on" for True."""
    data = {}
    for name, value in initial.items():
        if value is True:
            data[name] = "on"
        elif value is not False and value is not None:
            data[name] = value
    return data


class TestDerivedFields:
    def test_every_kind_has_a_field_per_setting_and_a_table_entry_here(self):
        assert set(REQUIRED) == set(CONF_BY_KIND)
        for kind, conf in CONF_BY_KIND.items():
            fields = kind_forms.config_fields(kind)
            assert set(fields) == {f"config_{name}" for name in conf.model_fields}
            required = {n.removeprefix("config_") for n, f in fields.items() if f.required}
            assert required == set(REQUIRED[kind]), kind

    def test_the_widget_follows_the_type_and_the_bounds_follow_the_model(self):
        fields = kind_forms.config_fields("http")
        assert isinstance(fields["config_method"], forms.ChoiceField)
        assert isinstance(fields["config_verify_tls"], forms.BooleanField)
        assert isinstance(fields["config_password"].widget, forms.PasswordInput)
        assert fields["config_max_redirects"].max_value == 20
        assert isinstance(kind_forms.config_fields("ping")["config_interval_s"], forms.FloatField)
        assert str(fields["config_url"].label) == "URL" and fields["config_url"].help_text

    @pytest.mark.parametrize("kind", sorted(CONF_BY_KIND))
    def test_the_defaults_plus_the_required_fields_make_valid_settings(self, kind):
        initial = {**kind_forms.default_values(kind)}
        initial.update({f"config_{k}": v for k, v in REQUIRED[kind].items()})
        form = MonitorForm(as_post({**COMMON, "kind": kind, **initial}), kind=kind)
        assert form.is_valid(), form.errors
        config = form.values()["config"]
        assert parse_config(kind, config) == parse_config(kind, REQUIRED[kind])

    def test_a_monitor_shown_and_sent_back_unchanged_keeps_its_settings_and_secrets(self):
        monitor = make_monitor("api", "http", {
            "url": "http://127.0.0.1:8080/", "expected_status": [200, 201, 204],
            "headers": {"Authorization": "Bearer t0ken", "Accept": "text/plain"},
            "json_path": "data.ok", "json_equals": True, "auth": "none",
        })  # fmt: skip
        initial = MonitorForm.initial_for(monitor)
        assert initial["config_expected_status"] == "200-201, 204"
        # (PostgreSQL's jsonb keeps no key order, so neither does this.)
        assert set(initial["config_headers"].splitlines()) == {
            "Authorization: [sealed]",
            "Accept: text/plain",
        }
        assert initial["config_json_equals"] == "true"
        form = MonitorForm(as_post(initial), kind="http", stored=monitor.config)
        assert form.is_valid(), form.errors
        from aviso.monitors import lifecycle
        from aviso.testing import SYSTEM

        saved = lifecycle.update_monitor(monitor, actor=SYSTEM, **form.values())
        assert saved.typed_config == monitor.typed_config
        assert saved.typed_config.headers["Authorization"] == "Bearer t0ken"


class TestErrorKeys:
    def test_a_lifecycle_key_names_its_box_and_a_list_item_its_line(self):
        assert kind_forms.field_for_error("config.url") == ("config_url", "")
        assert kind_forms.field_for_error("config.steps.0.value") == ("config_steps", "1.value: ")
        assert kind_forms.field_for_error("config") == (None, "")
        assert kind_forms.field_for_error("interval_seconds") == ("interval_seconds", "")

    def test_typed_lists_say_what_is_wrong(self):
        field = kind_forms.StatusCodesField(required=False)
        assert field.clean("200-202,404") == [200, 201, 202, 404]
        with pytest.raises(forms.ValidationError):
            field.clean("2xx")
        with pytest.raises(forms.ValidationError):
            field.clean("100-999")  # far too many codes to mean it
        with pytest.raises(forms.ValidationError, match="Line 2"):
            kind_forms.HeadersField(required=False).clean("Accept: text/plain\nno colon")
        assert kind_forms.ScalarField(required=False).clean("42") == 42
        assert kind_forms.ScalarField(required=False).clean("up") == "up"
