"""Input checks shared by every lifecycle function: clear messages, nothing stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from aviso.lib import languages
from aviso.status.lifecycle.errors import LifecycleError

MAX_BODY_CHARS = 50_000
MAX_NAME_CHARS = 255
# C0 controls other than tab, newline and carriage return, and DEL: never meaningful text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, field: str, *, max_chars: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise LifecycleError({field: _("This field is required.")})
    if len(value) > max_chars:
        raise LifecycleError(
            {
                field: _("At most %(max)d characters (this has %(n)d).")
                % {"max": max_chars, "n": len(value)}
            }
        )
    if _CONTROL.search(value):
        raise LifecycleError({field: _("Contains control characters; remove them and try again.")})
    return value


def clean_name(value: str | None, field: str = "name") -> str:
    value = clean_text(value, field, max_chars=MAX_NAME_CHARS)
    if "\n" in value or "\r" in value:
        raise LifecycleError({field: _("Must be a single line.")})
    return value


def clean_body(value: str | None, field: str = "body", *, required: bool = False) -> str:
    return clean_text(value, field, max_chars=MAX_BODY_CHARS, required=required)


def clean_choice(value, choices, field: str):
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(choices.values)
        raise LifecycleError(
            {
                field: _("%(value)r is not one of: %(allowed)s.")
                % {"value": value, "allowed": allowed}
            }
        ) from None


def clean_bodies(page_languages: list[str], bodies: dict | None, field: str = "bodies") -> dict:
    """An update's text in the page's other languages: {code: Markdown}, blanks dropped.

    ``page_languages[0]`` is the language of ``body`` itself; naming it here, or
    a language the page does not offer, is refused with the key in the message.
    """
    if not bodies:
        return {}
    if not isinstance(bodies, dict):
        raise LifecycleError({field: _("Give the texts as a map of language code to text.")})
    cleaned: dict[str, str] = {}
    for key, text in bodies.items():
        code = languages.normalize(str(key))
        if code is None or code not in page_languages:
            raise LifecycleError(
                {f"{field}.{key}": _("This page is not published in %(code)s.") % {"code": key}}
            )
        if code == page_languages[0]:
            raise LifecycleError(
                {f"{field}.{key}": _("This is the page's first language: write it in the body.")}
            )
        if text is not None and not isinstance(text, str):
            raise LifecycleError({f"{field}.{key}": _("Must be text.")})
        text = clean_body(text, f"{field}.{key}")
        if text:
            cleaned[code] = text
    return cleaned
