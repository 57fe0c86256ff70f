"""Slack and Microsoft Teams incoming webhooks for subscribers: labels and message shapes.

The URL of an incoming webhook is its credential (anyone holding it may
post), so it is sealed in ``Subscriber.target``; ``address`` holds a label
naming the host and a digest, which keeps one subscription per URL.

Teams has two kinds of incoming webhook. The Office 365 connectors
(``https://<tenant>.webhook.office.com/webhookb2/.../IncomingWebhook/...``)
take a MessageCard and answer ``1``; the Workflows that replace them
(``logic.azure.com``, ``powerplatform.com``) take a message carrying an
Adaptive Card and answer 202. The URL says which.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.utils import translation
from django.utils.translation import gettext as _

from aviso.notify import messages
from aviso.notify.choices import NoticeKind

THEME = {
    "investigating": "d9534f",
    "identified": "f0ad4e",
    "monitoring": "5bc0de",
    "resolved": "5cb85c",
    "scheduled": "5bc0de",
    "in_progress": "5bc0de",
    "verifying": "5bc0de",
    "completed": "5cb85c",
}


def label(url: str) -> str:
    """``hooks.slack.com #1a2b3c4d5e6f7a8b``: which service, never the secret path."""
    host = urlsplit(url).hostname or "?"
    return f"{host} #{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def is_teams_connector(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return host.endswith(("webhook.office.com", "outlook.office.com")) or (
        "/IncomingWebhook/" in parts.path
    )


def _public(data: dict, language: str) -> dict:
    """The notice as a subscriber reads it: their language, no operator detail."""
    localized = messages.in_language(data, language)
    return {k: v for k, v in localized.items() if k != "operator_detail"}


def _lines(kind: str, data: dict) -> tuple[str, str, list[tuple[str, str]]]:
    title = messages.headline(kind, data)
    facts = []
    if data.get("status"):
        facts.append((_("Status"), messages.status_label(data["status"])))
    for component in data.get("components", [])[:10]:
        facts.append((component["name"], messages.status_label(component["status"])))
    return title, data.get("body", ""), facts


def welcome_text(data: dict) -> str:
    return _(
        "This channel will now hear of incidents and maintenance on %(page)s. "
        "To stop, use the manage link in any message."
    ) % {"page": data["page"]["name"]}


def slack_message(kind: str, data: dict, language: str, manage_url: str) -> dict:
    with translation.override(language):
        if kind == NoticeKind.CHAT_WELCOME:
            text = messages.slack_escape(welcome_text(data))
            return {
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            }
        data = _public(data, language)
        payload = messages.slack_payload(kind, data)
        link = _("Manage or stop these messages")
        payload["blocks"].append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"<{manage_url}|{link}>"}]}
        )
        return payload


def teams_message(kind: str, data: dict, language: str, manage_url: str, url: str) -> dict:
    with translation.override(language):
        if kind == NoticeKind.CHAT_WELCOME:
            title, body, facts = data["page"]["name"], welcome_text(data), []
        else:
            data = _public(data, language)
            title, body, facts = _lines(kind, data)
        links = [(_("Manage or stop these messages"), manage_url)]
        if data.get("url"):
            links.insert(0, (_("View on the status page"), data["url"]))
        if is_teams_connector(url):
            return _message_card(title, body, facts, links, data.get("status", ""))
        return _adaptive_card(title, body, facts, links)


def _message_card(title, body, facts, links, status) -> dict:
    section: dict = {"activityTitle": title, "markdown": True}
    if facts:
        section["facts"] = [{"name": name, "value": value} for name, value in facts]
    if body:
        section["text"] = body[:5000]
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": title[:150],
        "themeColor": THEME.get(status, "0076d7"),
        "title": title,
        "sections": [section],
        "potentialAction": [
            {"@type": "OpenUri", "name": name, "targets": [{"os": "default", "uri": uri}]}
            for name, uri in links
        ],
    }


def _adaptive_card(title, body, facts, links) -> dict:
    content: list[dict] = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if facts:
        content.append(
            {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in facts]}
        )
    if body:
        content.append({"type": "TextBlock", "text": body[:5000], "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": content,
        "actions": [{"type": "Action.OpenUrl", "title": name, "url": uri} for name, uri in links],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def sms_text(kind: str, data: dict, language: str, code: str = "") -> str:
    """One short message: the code, or the page, title, status and a link."""
    with translation.override(language):
        page = data["page"]["name"]
        if kind == NoticeKind.SMS_CODE:
            return _("%(page)s: your confirmation code is %(code)s") % {"page": page, "code": code}
        data = _public(data, language)
        status = messages.status_label(data.get("status", ""))
        text = f"[{page}] {status}: {data.get('title', '')}"
        if data.get("url"):
            text += f" {data['url']}"
        return text[:600]
