"""What the Slack app shows: the page's state as a message, and the three modals
(declare, update, resolve) in Slack's Block Kit."""

from __future__ import annotations

from django.utils.translation import gettext as _

from aviso.status.choices import ComponentStatus, IncidentStatus
from aviso.status.models import Incident, Page

OPEN_STATUSES = [IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING]
MAX_OPTIONS = 100  # Slack's limit for a select's options


def _text(text: str) -> dict:
    return {"type": "plain_text", "text": str(text)[:150]}


def _option(label, value: str) -> dict:
    return {"text": _text(label), "value": value}


def _input(block_id: str, label: str, element: dict, optional: bool = False) -> dict:
    return {"type": "input", "block_id": block_id, "label": _text(label), "element": element,
            "optional": optional}  # fmt: skip


def _status_select(initial: str = IncidentStatus.INVESTIGATING) -> dict:
    options = [_option(IncidentStatus(s).label, s) for s in OPEN_STATUSES]
    chosen = next(o for o in options if o["value"] == initial)
    return {"type": "static_select", "action_id": "value", "options": options,
            "initial_option": chosen}  # fmt: skip


def _modal(callback_id: str, title: str, submit: str, blocks: list[dict], meta: str = "") -> dict:
    return {"type": "modal", "callback_id": callback_id, "title": _text(title[:24]),
            "submit": _text(submit), "close": _text(_("Cancel")), "blocks": blocks,
            "private_metadata": meta}  # fmt: skip


def declare_modal(page: Page, title: str = "") -> dict:
    components = [_option(c.name, c.code) for c in page.components.order_by("position", "id")]
    blocks = [
        _input("name", _("Title"), {"type": "plain_text_input", "action_id": "value",
                                 "initial_value": title[:150], "max_length": 200}),  # fmt: skip
        _input("status", _("Status"), _status_select()),
        _input("body", _("What is happening"), {"type": "plain_text_input", "action_id": "value",
                                             "multiline": True}, optional=True),  # fmt: skip
    ]
    if components:
        blocks.append(_input("components", _("Affected components"), {
            "type": "multi_static_select", "action_id": "value",
            "options": components[:MAX_OPTIONS]}, optional=True))  # fmt: skip
        levels = [_option(ComponentStatus(s).label, s) for s in (
            ComponentStatus.DEGRADED_PERFORMANCE, ComponentStatus.PARTIAL_OUTAGE,
            ComponentStatus.MAJOR_OUTAGE)]  # fmt: skip
        blocks.append(_input("level", _("They are in"), {
            "type": "static_select", "action_id": "value", "options": levels,
            "initial_option": levels[-1]}, optional=True))  # fmt: skip
    return _modal("declare", _("Declare an incident"), _("Declare"), blocks, meta=page.code)


def update_modal(incident: Incident) -> dict:
    current = incident.status if incident.status in OPEN_STATUSES else IncidentStatus.IDENTIFIED
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{incident.name[:200]}*"}},
        _input("status", _("Status"), _status_select(current)),
        _input("body", _("Update"), {"type": "plain_text_input", "action_id": "value",
                                  "multiline": True}),  # fmt: skip
    ]
    return _modal("update", _("Post an update"), _("Post"), blocks, meta=incident.code)


def resolve_modal(incident: Incident) -> dict:
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{incident.name[:200]}*"}},
        _input("body", _("Closing words"), {"type": "plain_text_input", "action_id": "value",
                                         "multiline": True}, optional=True),  # fmt: skip
    ]
    return _modal("resolve", _("Resolve"), _("Resolve"), blocks, meta=incident.code)


def state_message(page: Page, open_incidents: list[Incident], indicator: str) -> dict:
    """The page's state, with buttons to update or resolve each open incident."""
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn",
                           "text": f"*{page.name}*: {indicator}"}}]  # fmt: skip
    for incident in open_incidents[:20]:
        blocks.append({
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{incident.name[:200]}* ({incident.status}) "
                                               f"`{incident.code}`"},
        })  # fmt: skip
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": _text(_("Post an update")), "action_id": "update",
             "value": incident.code},
            {"type": "button", "text": _text(_("Resolve")), "action_id": "resolve",
             "value": incident.code, "style": "primary"},
        ]})  # fmt: skip
    blocks.append({"type": "actions", "elements": [
        {"type": "button", "text": _text(_("Declare an incident")), "action_id": "declare",
         "value": page.code, "style": "danger"}]})  # fmt: skip
    summary = _("%(page)s: %(state)s; open incidents: %(count)s") % {
        "page": page.name, "state": indicator, "count": len(open_incidents)}  # fmt: skip
    return {"response_type": "ephemeral", "text": summary, "blocks": blocks}


def submitted(view: dict) -> dict[str, object]:
    """A submitted modal's values by block: text, one chosen value, or a list of them."""
    values: dict[str, object] = {}
    for block_id, actions in (view.get("state", {}).get("values") or {}).items():
        field = actions.get("value") or {}
        if "selected_options" in field:
            values[block_id] = [o.get("value") for o in field["selected_options"] or []]
        elif "selected_option" in field:
            values[block_id] = (field["selected_option"] or {}).get("value")
        else:
            values[block_id] = field.get("value") or ""
    return values
