"""What automation says in public: per-page templates that name only the component.

A failing check's message ("cannot connect to 10.0.0.5:5432: Connection
refused") is for the operators: it goes to the alert channels, the audit log
and the postmortem timeline. The public page, its feeds and JSON, subscriber
email and webhooks get these words instead, in the page's language. A page
may replace any of them (``Page.automation_texts``); ``{component}`` is the
component's public name and ``{symptom}`` (titles) what is wrong with it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from aviso.status.choices import ComponentStatus
from aviso.status.models import Page

# The seed's tone: calm, naming the service, promising the next word.
DEFAULT_TEXTS = {
    "title": _("{component}: {symptom}"),
    "investigating": _(
        "We are currently investigating an issue that may be affecting {component}. "
        "We will provide an update as soon as we have more information."
    ),
    "ongoing": _(
        "We are continuing to investigate the issue affecting {component}. "
        "We will provide an update as soon as we have more information."
    ),
    "monitoring": _(
        "{component} is working normally again. We are monitoring the results "
        "to make sure it stays stable."
    ),
    "resolved": _("This incident has been resolved. {component} is operating normally."),
}
KEYS = tuple(DEFAULT_TEXTS)
MAX_CHARS = 2000

SYMPTOMS = {
    ComponentStatus.DEGRADED_PERFORMANCE: _("degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: _("partial outage"),
    ComponentStatus.MAJOR_OUTAGE: _("outage"),
}


def page_language(page: Page) -> str:
    """The language a page's stored text is written in: its first, else the default."""
    return (page.languages or [settings.LANGUAGE_CODE])[0]


def automation_text(page: Page, key: str, component: str, status: str = "") -> str:
    """The public words for one automatic step, in the page's language."""
    with translation.override(page_language(page)):
        template = (page.automation_texts or {}).get(key) or str(DEFAULT_TEXTS[key])
        symptom = str(SYMPTOMS.get(status, ""))
    # Plain replacement, not str.format: a page's template is never code.
    return template.replace("{component}", component).replace("{symptom}", symptom)


def clean_automation_texts(value: object) -> dict[str, str]:
    """A page's own templates: known keys, text only; an empty one means the default.

    Raises ValueError with a message naming the key at fault.
    """
    if not isinstance(value, dict):
        raise ValueError(str(_("Give an object of texts by step.")))
    cleaned = {}
    for key, text in value.items():
        if key not in DEFAULT_TEXTS:
            raise ValueError(
                str(_("Unknown step %(key)s; the steps are: %(keys)s."))
                % {"key": key, "keys": ", ".join(KEYS)}
            )
        if not isinstance(text, str):
            raise ValueError(str(_("%(key)s: give text.")) % {"key": key})
        text = text.strip()
        if len(text) > MAX_CHARS:
            raise ValueError(
                str(_("%(key)s: at most %(n)s characters.")) % {"key": key, "n": MAX_CHARS}
            )
        if text:
            cleaned[key] = text
    return cleaned
