"""The console's fields for one monitor kind, derived from its settings model.

Each pydantic field of the kind's ``*Conf`` (``configs``) becomes one form
field: its type picks the widget (a choice for a ``Literal``, a checkbox for a
bool, a number with the model's bounds, a text box), ``field_text`` gives the
label and the help. The form only turns what was typed into the settings dict;
the model (through the lifecycle) judges it, and its messages come back on the
field they name. Secrets are write-only: never rendered, an empty box keeps
the stored one.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from typing import Any

import annotated_types
from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic.fields import FieldInfo

from aviso.lib.sealed import REDACTED
from aviso.monitors.configs import CONF_BY_KIND
from aviso.monitors.field_text import CHOICE_LABELS, help_text, label

PREFIX = "config_"
LONG_TEXT = {"body", "send", "expect", "client_cert_pem", "client_key_pem", "headers", "steps"}


def _plain_type(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None was allowed."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), optional  # noqa: UP007
    return annotation, False


def _bounds(info: FieldInfo) -> dict:
    found: dict = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            found["min_value"] = item.ge
        elif isinstance(item, annotated_types.Le):
            found["max_value"] = item.le
        elif isinstance(item, annotated_types.MaxLen):
            found["max_length"] = item.max_length
    return found


class StatusCodesField(forms.CharField):
    """``200-299, 301`` <-> ``[200, ..., 299, 301]``."""

    def to_python(self, value: str) -> list[int] | None:
        text = super().to_python(value)
        if not text:
            return None
        codes: list[int] = []
        try:
            for part in text.replace(" ", "").split(","):
                low, _dash, high = part.partition("-")
                codes.extend(range(int(low), int(high or low) + 1))
        except ValueError:
            raise forms.ValidationError(_("Codes and ranges such as 200-299, 301.")) from None
        if len(codes) > 500:
            raise forms.ValidationError(_("Codes and ranges such as 200-299, 301."))
        return codes

    @staticmethod
    def show(codes: list[int]) -> str:
        runs: list[list[int]] = []
        for code in sorted(set(codes)):
            if runs and code == runs[-1][1] + 1:
                runs[-1][1] = code
            else:
                runs.append([code, code])
        return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


class HeadersField(forms.CharField):
    """``Name: value`` lines <-> a dict."""

    def to_python(self, value: str) -> dict[str, str] | None:
        text = super().to_python(value)
        if not text:
            return None
        headers: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            name, colon, rest = line.partition(":")
            if not colon or not name.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write Name: value."), params={"n": number}
                )
            headers[name.strip()] = rest.strip()
        return headers

    @staticmethod
    def show(headers: dict[str, str]) -> str:
        return "\n".join(f"{name}: {value}" for name, value in headers.items())


class StepsField(forms.CharField):
    """``action | selector | value`` lines <-> the browser kind's steps."""

    def to_python(self, value: str) -> list[dict] | None:
        text = super().to_python(value)
        if not text:
            return None
        steps = []
        for line in text.splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|", 2)]
            step = {"action": parts[0], "selector": parts[1] if len(parts) > 1 else ""}
            if len(parts) > 2:
                step["value"] = parts[2]
            steps.append(step)
        return steps

    @staticmethod
    def show(steps: list[dict]) -> str:
        return "\n".join(
            " | ".join(p for p in (s["action"], s["selector"], s.get("value", "")) if p)
            for s in steps
        )


class ScalarField(forms.CharField):
    """A JSON scalar typed as text: ``true``, ``42``, ``1.5``, anything else is text."""

    def to_python(self, value: str) -> str | int | float | bool | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return parsed if isinstance(parsed, str | int | float | bool) else text

    @staticmethod
    def show(value: object) -> str:
        return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _field(kind: str, name: str, info: FieldInfo, *, secret: bool, stored: bool) -> forms.Field:
    kind_type, optional = _plain_type(info.annotation)
    # A default (or a stored secret to keep) makes an empty box fine: the model fills it.
    required = info.is_required() and not (secret and stored)
    common = {"label": label(name), "required": required, "help_text": help_text(kind, name)}
    if name == "port" and required:
        common["help_text"] = ""
    bounds = _bounds(info)
    origin = typing.get_origin(kind_type)
    if origin is typing.Literal:
        choices = [(v, CHOICE_LABELS.get(v, v)) for v in typing.get_args(kind_type)]
        return forms.ChoiceField(choices=choices, **common)
    if kind_type is bool:
        return forms.BooleanField(**{**common, "required": False})
    if kind_type is int:
        return forms.IntegerField(
            **common, **{k: v for k, v in bounds.items() if k != "max_length"}
        )
    if kind_type is float:
        return forms.FloatField(**common, **{k: v for k, v in bounds.items() if k != "max_length"})
    if origin is dict:
        return HeadersField(**common, widget=forms.Textarea(attrs={"rows": 3}))
    if origin is list and typing.get_args(kind_type) == (int,):
        return StatusCodesField(**common)
    if origin is list:
        return StepsField(**common, widget=forms.Textarea(attrs={"rows": 4}))
    if kind_type is not str:
        return ScalarField(**common)
    text = {"max_length": bounds.get("max_length"), "strip": name not in ("body", "send")}
    if secret:
        widget = forms.Textarea(attrs={"rows": 3}) if name in LONG_TEXT else forms.PasswordInput
        return forms.CharField(**common, **text, widget=widget)
    if name in LONG_TEXT:
        return forms.CharField(**common, **text, widget=forms.Textarea(attrs={"rows": 4}))
    return forms.CharField(**common, **text)


def _secret_names(kind: str) -> set[str]:
    conf = CONF_BY_KIND[kind]
    return set(getattr(conf, "secret_fields", ()))


def config_fields(kind: str, stored: dict | None = None) -> dict[str, forms.Field]:
    """The form fields (``config_<name>``) for ``kind``; ``stored``: the monitor's settings."""
    secrets = _secret_names(kind)
    return {
        PREFIX + name: _field(
            kind, name, info, secret=name in secrets, stored=bool((stored or {}).get(name))
        )
        for name, info in CONF_BY_KIND[kind].model_fields.items()
    }


def shown_values(kind: str, shown: dict) -> dict[str, Any]:
    """Initial form values from the settings as shown (secrets already ``[sealed]``)."""
    conf = CONF_BY_KIND[kind]
    secrets = _secret_names(kind)
    initial: dict[str, Any] = {}
    for name, info in conf.model_fields.items():
        if name in secrets or name not in shown:
            continue  # write-only: an empty box, whatever is stored
        value = shown[name]
        kind_type, _optional = _plain_type(info.annotation)
        origin = typing.get_origin(kind_type)
        if origin is dict:
            value = HeadersField.show(value)
        elif origin is list and typing.get_args(kind_type) == (int,):
            value = StatusCodesField.show(value)
        elif origin is list:
            value = StepsField.show(value)
        elif kind_type not in (str, int, float, bool) and origin is not typing.Literal:
            value = ScalarField.show(value)
        initial[PREFIX + name] = value
    return initial


def default_values(kind: str) -> dict[str, Any]:
    """The model's defaults as initial values for a new monitor of ``kind``."""
    defaults = {}
    for name, info in CONF_BY_KIND[kind].model_fields.items():
        if not info.is_required():
            value = info.get_default(call_default_factory=True)
            if value is not None:
                defaults[name] = value
    return shown_values(kind, defaults)


def settings_from(kind: str, cleaned: dict, stored: dict | None = None) -> dict:
    """The settings dict for the lifecycle from a form's cleaned data.

    An empty box is left out (the model's default applies); an empty secret box
    with a stored secret says ``[sealed]``, which keeps it (as does a credential
    header sent back as shown, ``Authorization: [sealed]``).
    """
    secrets = _secret_names(kind)
    config: dict[str, Any] = {}
    for name in CONF_BY_KIND[kind].model_fields:
        value = cleaned.get(PREFIX + name)
        if isinstance(value, bool):
            config[name] = value
        elif value not in (None, ""):
            config[name] = value
        elif name in secrets and stored and stored.get(name):
            config[name] = REDACTED
    return config


def field_for_error(key: str) -> tuple[str | None, str]:
    """Which form field a lifecycle error key names, and what to prefix its message with.

    ``config.url`` is the URL box; ``config.steps.0.value`` the steps box ("1.value: ...");
    ``config`` alone (a rule across fields) belongs to the kind's settings as a whole.
    """
    if not key.startswith("config."):
        return (None, "") if key == "config" else (key, "")
    name, _dot, rest = key.removeprefix("config.").partition(".")
    if rest and rest.split(".", 1)[0].isdigit():
        index, _dot, tail = rest.partition(".")
        rest = f"{int(index) + 1}" + (f".{tail}" if tail else "")
    return PREFIX + name, f"{rest}: " if rest else ""


def names(kind: str) -> Iterator[str]:
    return (PREFIX + name for name in CONF_BY_KIND[kind].model_fields)
