"""Turning a notice into words: email (text and HTML), Slack, JSON, Apprise.

Email is rendered once per (notice, language) with a placeholder where the
subscriber's token goes; each recipient's copy is a string replace, which is
what lets one update reach 100,000 people in minutes.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aviso.lib.dates import moment_label
from aviso.lib.languages import NATIVE_NAMES
from aviso.notify.choices import NoticeKind
from aviso.notify.statuspage import site_url
from aviso.status.choices import ComponentStatus, IncidentStatus, MaintenanceStatus

# Stands in for a subscriber's token until each copy is made (URL- and HTML-safe).
TOKEN = "AVISOxTOKENxPLACEHOLDER"  # noqa: S105 - a placeholder, not a secret

EMAIL_KINDS = {
    NoticeKind.INCIDENT,
    NoticeKind.POSTMORTEM,
    NoticeKind.MAINTENANCE,
    NoticeKind.MAINTENANCE_REMINDER,
    NoticeKind.CONFIRM,
    NoticeKind.ALREADY_SUBSCRIBED,
    NoticeKind.TEST,
}


def status_label(value: str) -> str:
    for choices in (IncidentStatus, MaintenanceStatus, ComponentStatus):
        if value in choices.values:
            return str(choices(value).label)
    return value


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    # Whether the message carries List-Unsubscribe (not on confirmations).
    list_mail: bool

    def for_token(self, token: str) -> tuple[str, str]:
        return self.text.replace(TOKEN, token), self.html.replace(TOKEN, token)


def links(token: str = TOKEN) -> dict[str, str]:
    return {
        "manage": site_url("notify:manage", token),
        "unsubscribe": site_url("notify:unsubscribe", token),
        "confirm": site_url("notify:confirm", token),
    }


def context(kind: str, data: dict) -> dict:
    ctx = dict(data)
    ctx["kind"] = kind
    ctx["links"] = links()
    if "status" in data:
        ctx["status_label"] = status_label(data["status"])
    ctx["components"] = [
        c | {"status_label": status_label(c["status"])} for c in data.get("components", [])
    ]
    ctx["changes"] = [
        c | {"old_label": status_label(c["old_status"]), "new_label": status_label(c["new_status"])}
        for c in data.get("changes", [])
    ]
    return ctx


def subject_for(kind: str, data: dict) -> str:
    page = data["page"]["name"]
    if kind == NoticeKind.CONFIRM:
        return _("[%(page)s] Confirm your subscription") % {"page": page}
    if kind == NoticeKind.ALREADY_SUBSCRIBED:
        return _("[%(page)s] Your subscription") % {"page": page}
    if kind == NoticeKind.TEST:
        return _("[%(page)s] Test notification") % {"page": page}
    if kind == NoticeKind.OUTBOX_DEAD:
        return _("[%(page)s] Outbox work given up: %(event)s") % {
            "page": page,
            "event": data["title"],
        }
    if kind == NoticeKind.POSTMORTEM:
        label = _("Postmortem")
    elif kind == NoticeKind.MAINTENANCE_REMINDER:
        label = _("Maintenance reminder")
    elif kind == NoticeKind.MAINTENANCE:
        label = _("Maintenance %(status)s") % {"status": status_label(data["status"]).lower()}
    else:
        label = status_label(data["status"])
    return f"[{page}] {label}: {data['title']}"


def in_language(data: dict, language: str) -> dict:
    """The notice as a reader of ``language`` gets it: their text, their page address, their
    way of writing the time; the page's first language (and a note saying so) when the
    update was not written in theirs. Call with ``language`` active."""
    languages = data.get("languages") or []
    if not languages:
        return data  # a notice recorded before pages had languages: as it was
    first = languages[0]
    localized = dict(data)
    written = (data.get("bodies") or {}).get(language)
    if language != first and data.get("body"):
        if written:
            localized["body"] = written
        else:
            localized["fallback_note"] = _(
                "This update is not available in %(language)s; shown in %(original)s."
            ) % {"language": NATIVE_NAMES.get(language, language), "original": NATIVE_NAMES[first]}
    page_url = data.get("page", {}).get("url", "")
    if language != first and language in languages and page_url:
        url = data.get("url", "")
        if url.startswith(page_url):
            localized["url"] = f"{page_url}{language}/{url[len(page_url) :]}"
    if data.get("at") and data.get("time_zone"):
        moment = dt.datetime.fromisoformat(data["at"]).astimezone(
            zoneinfo.ZoneInfo(data["time_zone"])
        )
        localized["at_local"] = moment_label(moment, language)
    return localized


def render_email(kind: str, data: dict, language: str) -> RenderedEmail:
    with translation.override(language):
        data = in_language(data, language)
        ctx = context(kind, data)
        template = "confirm" if kind in (NoticeKind.CONFIRM,) else "notice"
        if kind == NoticeKind.ALREADY_SUBSCRIBED:
            template = "already_subscribed"
        text = render_to_string(f"notify/email/{template}.txt", ctx)
        html = render_to_string(f"notify/email/{template}.html", ctx)
        subject = " ".join(subject_for(kind, data).split())
    return RenderedEmail(
        subject=subject,
        text=text,
        html=html,
        list_mail=kind not in (NoticeKind.CONFIRM, NoticeKind.ALREADY_SUBSCRIBED),
    )


def webhook_body(data: dict, token: str, now: dt.datetime | None = None) -> dict:
    """Statuspage's webhook shape: ``meta`` first, then page and the subject."""
    now = now or timezone.now()
    meta = {
        "unsubscribe": site_url("notify:unsubscribe", token),
        "documentation": site_url("notify:webhook-docs"),
        "generated_at": now.astimezone(dt.UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
    }
    return {"meta": meta, **data.get("webhook", {})}


SLACK_ICONS = {
    "investigating": ":red_circle:",
    "identified": ":large_orange_circle:",
    "monitoring": ":large_blue_circle:",
    "resolved": ":large_green_circle:",
    "operational": ":large_green_circle:",
    "degraded_performance": ":large_yellow_circle:",
    "partial_outage": ":large_orange_circle:",
    "major_outage": ":red_circle:",
    "under_maintenance": ":wrench:",
}


def headline(kind: str, data: dict) -> str:
    """One line for operators: what happened, to what, in which state."""
    if kind == NoticeKind.TEST:
        return _("Test alert from Aviso for %(page)s") % {"page": data["page"]["name"]}
    if kind == NoticeKind.OUTBOX_DEAD:
        return _("Aviso gave up on outbox event %(event)s; retry it in the console") % {
            "event": data["title"]
        }
    if kind == NoticeKind.COMPONENT:
        return _("%(component)s is %(status)s (was %(old)s)") % {
            "component": data["title"],
            "status": status_label(data["status"]),
            "old": status_label(data.get("old_status", "")),
        }
    return f"{subject_for(kind, data)}"


def plain_summary(kind: str, data: dict) -> str:
    """The operator alert body for Apprise and the Slack fallback text."""
    lines = [headline(kind, data)]
    for component in data.get("components", []):
        lines.append(f"• {component['name']}: {status_label(component['status'])}")
    if data.get("body"):
        lines.append(data["body"])
    if data.get("operator_detail"):
        lines.append(data["operator_detail"])
    if data.get("url"):
        lines.append(data["url"])
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Slack's mrkdwn reads ``&``, ``<`` and ``>`` as markup; these three must be escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(kind: str, data: dict) -> dict:
    """An incoming-webhook message: a fallback ``text`` and Block Kit blocks."""
    icon = SLACK_ICONS.get(data.get("status", ""), ":information_source:")
    title = headline(kind, data)
    esc = slack_escape
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
    ]
    facts = []
    if data.get("status"):
        facts.append(f"*{_('Status')}:* {icon} {status_label(data['status'])}")
    if data.get("impact") and data["impact"] != "none":
        facts.append(f"*{_('Impact')}:* {data['impact'].capitalize()}")
    if facts:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "   ".join(facts)}})
    if data.get("components"):
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {
                        "type": "mrkdwn",
                        "text": f"*{esc(c['name'])}*\n{SLACK_ICONS.get(c['status'], '')} "
                        f"{status_label(c['status'])}",
                    }
                    for c in data["components"][:10]
                ],
            }
        )
    if data.get("body"):
        body = data["body"] if len(data["body"]) < 2900 else data["body"][:2900] + "…"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": esc(body)}})
    if data.get("operator_detail"):
        detail = data["operator_detail"][:2900]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": esc(detail)}})
    context_bits = [f"{esc(data['page']['name'])} · {data.get('at_local', '')}"]
    if data.get("url"):
        context_bits.append(f"<{data['url']}|{_('View on the status page')}>")
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context_bits)}]}
    )
    return {"text": esc(plain_summary(kind, data))[:3000], "blocks": blocks}


def json_alert(kind: str, data: dict) -> dict:
    """The generic JSON webhook for operators: flat fields plus the Statuspage object."""
    return {
        "kind": kind,
        "event": data.get("event_kind", "test"),
        "actor_kind": data.get("actor_kind", ""),
        "page": data["page"],
        "title": data.get("title", ""),
        "status": data.get("status", ""),
        "impact": data.get("impact", ""),
        "body": data.get("body", ""),
        # What automation saw (a check's message); not in anything a subscriber gets.
        "detail": data.get("operator_detail", ""),
        "url": data.get("url", ""),
        "at": data.get("at", ""),
        "components": data.get("components", []),
        "changes": data.get("changes", []),
        "summary": headline(kind, data),
        "statuspage": data.get("webhook"),
    }


def welcome_body(data: dict, subscriber) -> dict:
    """The first webhook a new subscriber URL receives: its signing secret and links.

    Only the URL's owner sees it; the subscription becomes active when the
    receiver answers 2xx.
    """
    return {
        "meta": webhook_body(data, subscriber.token)["meta"],
        "page": {"id": data["page"]["code"], "name": data["page"]["name"]},
        "subscription": {
            "id": subscriber.code,
            "secret": subscriber.signing_secret,
            "signature_header": "X-Aviso-Signature",
            "manage_url": site_url("notify:manage", subscriber.token),
        },
    }
