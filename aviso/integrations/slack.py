"""The Slack app: ``POST /integrations/<code>/slack`` takes the slash command ``/aviso``
and the interactive messages and modals (paste the same URL as the Request URL of
both in the Slack app's settings).

Every request must carry Slack's v0 signature over its exact body, made with
the app's signing secret, and a timestamp at most five minutes old
(``slack_sdk``'s ``SignatureVerifier``): anything else is 401 before the body
is read as a command. The Slack user is then looked up in the integration's
``users`` mapping; what they may do is their Aviso role (viewer: see the
state; responder or admin: declare, update, resolve). Every change goes
through the status lifecycle as that person.

``/aviso`` (or ``/aviso status``) shows the page's state with buttons;
``/aviso declare [title]`` opens the declare modal (``views.open``);
``/aviso update <code> <status> <text>`` and ``/aviso resolve <code> [text]``
act at once and answer on the command's ``response_url``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from aviso.console.roles import Role, has_role
from aviso.integrations import slack_views
from aviso.integrations.choices import IntegrationKind
from aviso.integrations.configs import SlackConf
from aviso.integrations.models import Integration
from aviso.integrations.secrets import opened
from aviso.lib.http import OutboundError, fetch
from aviso.lib.netguard import Policy
from aviso.status import lifecycle
from aviso.status.choices import IncidentStatus
from aviso.status.derivation import page_state
from aviso.status.languages import page_languages
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.models import Incident

log = logging.getLogger(__name__)

MAX_BODY = 100_000
HELP = gettext_lazy(
    "`/aviso` shows the page's state; `/aviso declare [title]` opens the declare form; "
    "`/aviso update <code> <investigating|identified|monitoring> <text>`; "
    "`/aviso resolve <code> [text]`."
)


def _ephemeral(text: str) -> JsonResponse:
    return JsonResponse({"response_type": "ephemeral", "text": str(text)})


def verified(integration: Integration, request: HttpRequest) -> bool:
    secret = opened(integration.secret)
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not secret or not timestamp.isdigit() or len(timestamp) > 12:
        return False  # slack_sdk raises on a missing or non-numeric timestamp
    return SignatureVerifier(secret).is_valid(
        body=request.body.decode("utf-8", "replace"),
        timestamp=timestamp,
        signature=request.headers.get("X-Slack-Signature", ""),
    )


def person_for(integration: Integration, slack_user: str):
    """The Aviso user mapped to this Slack user (an active one), or None."""
    username = SlackConf.model_validate(integration.config).users.get(slack_user)
    if not username:
        return None
    return get_user_model().objects.filter(username=username, is_active=True).first()


# --- calls to Slack (through the outbound guard) ----------------------------------


def _policy() -> Policy:
    return Policy(block_private=settings.OUTBOUND_BLOCK_PRIVATE, allow=settings.OUTBOUND_ALLOW)


def _post(url: str, payload: dict, token: str = "") -> dict | None:
    # Slack waits three seconds for the answer (and a trigger_id lives as long).
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = asyncio.run(fetch(url, method="POST", headers=headers, timeout=3,
                                   body=json.dumps(payload), policy=_policy()))  # fmt: skip
    except OutboundError as error:
        log.warning("slack: %s: %s", url.split("?")[0], error)
        return None
    if not answer.body.startswith(b"{"):
        return {"ok": answer.status == 200}  # response_url answers a plain "ok"
    try:
        return json.loads(answer.body)
    except ValueError:
        return {"ok": False}


def open_view(integration: Integration, trigger_id: str, view: dict) -> bool:
    token = opened(SlackConf.model_validate(integration.config).bot_token)
    if not token:
        return False
    answer = _post(f"{settings.SLACK_API_URL.rstrip('/')}/views.open",
                   {"trigger_id": trigger_id, "view": view}, token)  # fmt: skip
    return bool(answer and answer.get("ok"))


def answer_later(response_url: str, text: str, in_channel: bool = True) -> None:
    """Post on the command's response_url, only to Slack's own hooks address."""
    if not response_url.startswith(tuple(settings.SLACK_RESPONSE_URL_PREFIXES)):
        log.warning("slack: refused a response_url outside SLACK_RESPONSE_URL_PREFIXES")
        return
    _post(response_url, {"response_type": "in_channel" if in_channel else "ephemeral",
                         "text": str(text)})  # fmt: skip


# --- the endpoint -------------------------------------------------------------------


@csrf_exempt
@require_POST
def receive(request: HttpRequest, code: str) -> HttpResponse:
    integration = Integration.objects.select_related("page").filter(
        code=code[:12], kind=IntegrationKind.SLACK, enabled=True
    ).first()
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return HttpResponse("too large", status=413, content_type="text/plain")
    if integration is None or not verified(integration, request):
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    # Slack users read the answers in the page's own (first) language.
    with translation.override(page_languages(integration.page)[0]):
        if "payload" in form:
            try:
                payload = json.loads(form["payload"])
            except ValueError:
                return HttpResponse("payload is not JSON", status=400, content_type="text/plain")
            return interaction(integration, payload)
        return command(integration, form)


def _team_ok(integration: Integration, team_id: str) -> bool:
    wanted = SlackConf.model_validate(integration.config).team_id
    return not wanted or wanted == team_id


def _refusal(integration: Integration, slack_user: str, role: Role):
    person = person_for(integration, slack_user)
    if person is None:
        return None, _(
            "Your Slack account (%(id)s) is not linked to an Aviso person; "
            "an admin adds it to the Slack integration's users."
        ) % {"id": slack_user}
    if not has_role(person, role):
        return None, _("You need the %(role)s role in Aviso for that.") % {"role": role.label}
    return person, ""


def _open_incident(integration: Integration, code: str) -> Incident | None:
    return Incident.objects.filter(page=integration.page, code=code,
                                   status__in=IncidentStatus.open_values()).first()  # fmt: skip


def state(integration: Integration) -> JsonResponse:
    page = integration.page
    statuses = page.components.values_list("status", flat=True)
    open_incidents = list(
        Incident.objects.filter(page=page, status__in=IncidentStatus.open_values())
        .order_by("-started_at")
    )
    indicator = page_state(statuses).headline
    return JsonResponse(slack_views.state_message(page, open_incidents, indicator))


def command(integration: Integration, form: dict[str, str]) -> HttpResponse:
    if not _team_ok(integration, form.get("team_id", "")):
        return _ephemeral(_("This Aviso integration belongs to another Slack workspace."))
    words = form.get("text", "").split()
    verb = words[0].lower() if words else "status"
    needed = Role.VIEWER if verb in ("status", "help") else Role.RESPONDER
    person, refusal = _refusal(integration, form.get("user_id", ""), needed)
    if person is None:
        return _ephemeral(refusal)
    if verb == "status":
        return state(integration)
    if verb == "declare":
        title = form.get("text", "").strip()[len("declare"):].strip()
        view = slack_views.declare_modal(integration.page, title)
        if not open_view(integration, form.get("trigger_id", ""), view):
            return _ephemeral(_("Slack did not open the form: check the integration's bot token."))
        return HttpResponse(status=200)
    if verb in ("update", "resolve") and len(words) >= 2:
        incident = _open_incident(integration, words[1])
        if incident is None:
            return _ephemeral(_("No open incident %(code)s on %(page)s.") % {
                "code": words[1][:20], "page": integration.page.name})  # fmt: skip
        actor = Actor.person(person)
        try:
            if verb == "resolve":
                lifecycle.resolve_incident(incident, actor=actor, body=" ".join(words[2:]))
                said = _("Resolved: %(name)s") % {"name": incident.name}
            else:
                if len(words) < 4:
                    return _ephemeral(" ".join([_("Say the status and the update."), str(HELP)]))
                lifecycle.post_update(incident, actor=actor, status=words[2].lower(),
                                      body=" ".join(words[3:]))  # fmt: skip
                said = _("Update (%(status)s): %(name)s") % {
                    "status": words[2].lower(), "name": incident.name}  # fmt: skip
        except LifecycleError as error:
            return _ephemeral("; ".join(f"{k}: {v}" for k, v in error.errors.items()))
        by = _("by %(person)s") % {"person": person.get_username()}
        answer_later(form.get("response_url", ""), f"{said} ({by})")
        return HttpResponse(status=200)
    return _ephemeral(HELP)


def interaction(integration: Integration, payload: dict) -> HttpResponse:
    team = (payload.get("team") or {}).get("id") or (payload.get("user") or {}).get("team_id", "")
    if not _team_ok(integration, team):
        return _ephemeral(_("This Aviso integration belongs to another Slack workspace."))
    person, refusal = _refusal(integration, (payload.get("user") or {}).get("id", ""),
                               Role.RESPONDER)  # fmt: skip
    kind = payload.get("type")
    if kind == "block_actions":
        if person is None:
            answer_later(payload.get("response_url", ""), refusal, in_channel=False)
            return HttpResponse(status=200)
        action = (payload.get("actions") or [{}])[0]
        return _button(integration, payload.get("trigger_id", ""), action)
    if kind == "view_submission":
        if person is None:
            return JsonResponse({"response_action": "errors", "errors": {"body": refusal}})
        return _submission(integration, person, payload.get("view") or {})
    return HttpResponse(status=200)  # other interactions (view_closed, ...) need nothing


def _button(integration: Integration, trigger_id: str, action: dict) -> HttpResponse:
    name, value = action.get("action_id"), str(action.get("value", ""))
    if name == "declare":
        view = slack_views.declare_modal(integration.page)
    else:
        incident = _open_incident(integration, value)
        if incident is None or name not in ("update", "resolve"):
            return HttpResponse(status=200)
        view = (slack_views.update_modal if name == "update" else slack_views.resolve_modal)(
            incident
        )
    open_view(integration, trigger_id, view)
    return HttpResponse(status=200)


_FIELD_BLOCKS = {"name": "name", "status": "status", "body": "body", "components": "components"}


def _errors(error: LifecycleError) -> JsonResponse:
    """Slack shows these under each field of the modal (``response_action: errors``)."""
    errors = {}
    for key, message in error.errors.items():
        block = _FIELD_BLOCKS.get(key.split(".")[0], "body" if key != "name" else "name")
        errors.setdefault(block, str(message)[:150])
    return JsonResponse({"response_action": "errors", "errors": errors})


def _submission(integration: Integration, person, view: dict) -> HttpResponse:
    values = slack_views.submitted(view)
    actor = Actor.person(person)
    callback = view.get("callback_id")
    try:
        if callback == "declare":
            codes = values.get("components") or []
            level = values.get("level") or "major_outage"
            chosen = {code: level for code in codes}
            lifecycle.create_incident(integration.page, actor=actor, name=values.get("name", ""),
                                      status=values.get("status") or "investigating",
                                      body=values.get("body", ""), components=chosen)  # fmt: skip
        elif callback in ("update", "resolve"):
            incident = _open_incident(integration, view.get("private_metadata", ""))
            if incident is None:
                gone = {"body": _("This incident is no longer open.")}
                return JsonResponse({"response_action": "errors", "errors": gone})
            if callback == "resolve":
                lifecycle.resolve_incident(incident, actor=actor, body=values.get("body", ""))
            else:
                lifecycle.post_update(incident, actor=actor, status=values.get("status", ""),
                                      body=values.get("body", ""))  # fmt: skip
    except LifecycleError as error:
        return _errors(error)
    return JsonResponse({"response_action": "clear"})
