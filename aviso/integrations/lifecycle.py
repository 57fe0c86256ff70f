"""The only way integrations change: create, change, new secret, delete, and what an
alert message does to its routes.

Configuration changes write an audit entry in their transaction. A message
from an alert source stores the payload, opens or closes the alerts it names
and pings the route's push monitor; whatever that does to the component is
decided by detection, through the status lifecycle, as for any monitor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.detection.models import Watch
from aviso.integrations.alerts import Alert
from aviso.integrations.choices import IntegrationKind
from aviso.integrations.configs import ConfigError, parse_config
from aviso.integrations.models import PAYLOADS_KEPT, AlertRoute, FiringAlert, Integration, Payload
from aviso.integrations.secrets import new_secret, seal
from aviso.lib.sealed import REDACTED, is_sealed
from aviso.monitors import lifecycle as monitors
from aviso.monitors.choices import MonitorKind, MonitorState, PingKind
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.models import Component, Page

MAX_KEPT_BODY = 20_000
# A push monitor that never turns down by silence: only the alerts decide.
ROUTE_PERIOD_SECONDS = 10 * 365 * 86400
ROUTE_INTERVAL_SECONDS = 60
AUDITED = ("name", "kind", "config", "enabled")


def _audit(integration: Integration) -> dict:
    """The audit picture: the secret is never in it, a Slack bot token says "[sealed]"."""
    data = snapshot(integration, list(AUDITED))
    if data["config"].get("bot_token"):
        data["config"] = {**data["config"], "bot_token": REDACTED}
    return data


def shown_config(integration: Integration) -> dict:
    """The settings as the console shows them (and takes back): secrets as "[sealed]"."""
    config = dict(integration.config)
    if config.get("bot_token"):
        config["bot_token"] = REDACTED
    return config


def _seal_token(config: dict, stored: dict | None) -> None:
    token = config.get("bot_token") or ""
    if token == REDACTED:
        config["bot_token"] = (stored or {}).get("bot_token", "")
    elif token and not is_sealed(token):
        config["bot_token"] = seal(token)


def _validate(kind: str, name: str, config: dict | None) -> tuple[str, dict]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the integration a name.")
    elif len(name) > 200:
        errors["name"] = _("At most 200 characters.")
    if kind not in IntegrationKind.values:
        errors["kind"] = _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(IntegrationKind.values)
        }
        raise LifecycleError(errors)
    try:
        config = parse_config(kind, config or {}).model_dump(mode="json")
    except ConfigError as error:
        errors.update(error.errors)
    if errors:
        raise LifecycleError(errors)
    return name, config


def create_integration(
    page: Page,
    *,
    actor: Actor,
    kind: str,
    name: str,
    config: dict | None = None,
    secret: str = "",
) -> tuple[Integration, str]:
    """The new integration and its secret, in plain text this once.

    Aviso makes the secret, except for Slack: there it is the Slack app's
    signing secret, which Slack made and the operator pastes.
    """
    name, config = _validate(kind, name, config)
    if kind == IntegrationKind.SLACK:
        secret = (secret or "").strip()
        if not secret or len(secret) > 200:
            raise LifecycleError({"secret": _("Paste the Slack app's signing secret.")})
        _seal_token(config, None)
    else:
        secret = new_secret()
    with transaction.atomic():
        integration = Integration.objects.create(
            page=page, kind=kind, name=name, config=config, secret=seal(secret)
        )
        record(actor, "integration.create", integration, page=page, before=None,
               after=_audit(integration), event=None)  # fmt: skip
    return integration, secret


def update_integration(
    integration: Integration, *, actor: Actor, name: str, config: dict, enabled: bool = True
) -> Integration:
    name, config = _validate(integration.kind, name, config)
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        _seal_token(config, locked.config)
        before = _audit(locked)
        locked.name, locked.config, locked.enabled = name, config, bool(enabled)
        locked.save()
        # The routes' push monitors follow the confirmations and the firing status.
        for route in locked.routes.select_related("monitor"):
            if route.monitor.confirmations_down != config.get("confirmations", 1):
                wanted = config.get("confirmations", 1)
                monitors.update_monitor(route.monitor, actor=actor, confirmations_down=wanted)
        if "firing_status" in config:
            Watch.objects.filter(monitor__alert_route__integration=locked).update(
                down_status=config["firing_status"]
            )
        record(actor, "integration.update", locked, page=locked.page, before=before,
               after=_audit(locked), event=None)  # fmt: skip
    return locked


def rotate_secret(integration: Integration, *, actor: Actor, secret: str = "") -> str:
    """A new secret (the old one stops working now); returned in plain text this once.

    For Slack it is the new signing secret the operator pastes from Slack.
    """
    if integration.kind == IntegrationKind.SLACK:
        secret = (secret or "").strip()
        if not secret or len(secret) > 200:
            raise LifecycleError({"secret": _("Paste the Slack app's signing secret.")})
    else:
        secret = new_secret()
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(
            secret=seal(secret), updated_at=timezone.now()
        )
        record(actor, "integration.secret", integration, page=integration.page,
               before=None, after={"secret": "[sealed]"}, event=None)  # fmt: skip
    return secret


def delete_integration(integration: Integration, *, actor: Actor) -> None:
    with transaction.atomic():
        record(actor, "integration.delete", integration, page=integration.page,
               before=_audit(integration), after=None, event=None)  # fmt: skip
        for route in integration.routes.select_related("monitor"):
            monitors.delete_monitor(route.monitor, actor=actor)
        integration.delete()


# --- alerts in --------------------------------------------------------------------


@dataclass
class Receipt:
    """What one message did: alerts taken, and what was not understood (per alert)."""

    accepted: int = 0
    ignored: list[str] = field(default_factory=list)

    def outcome(self) -> str:
        said = f"{self.accepted} alert(s) taken"
        if self.ignored:
            said += "; ignored: " + "; ".join(self.ignored)
        return said[:500]


def _components(page: Page, names: set[str]) -> dict[str, Component]:
    """Components named by code or (case-insensitively) by name, on the page."""
    if not names:
        return {}
    query = Q(code__in=names)
    for name in names:
        query |= Q(name__iexact=name)
    found: dict[str, Component] = {}
    for component in Component.objects.filter(query, page=page).select_related("page"):
        for name in names:
            if name == component.code or name.lower() == component.name.lower():
                found.setdefault(name, component)
    return found


def _route(integration: Integration, component: Component) -> AlertRoute:
    route = AlertRoute.objects.filter(integration=integration, component=component).first()
    if route is not None:
        return route
    actor = Actor.automation(f"integration {integration.name}")
    monitor = monitors.create_monitor(
        actor=actor,
        name=f"Alerts: {integration.name} ({component.name})"[:200],
        kind=MonitorKind.HEARTBEAT,
        config={"period_seconds": ROUTE_PERIOD_SECONDS, "grace_seconds": 0,
                "fail_message": f"an alert from {integration.name} fires"[:200]},  # fmt: skip
        component=component,
        interval_seconds=ROUTE_INTERVAL_SECONDS,
        timeout_seconds=5,
        confirmations_down=integration.config.get("confirmations", 1),
        confirmations_up=1,
        state=MonitorState.UP,  # nothing fired before: the first alert needs confirming
    )
    Watch.objects.create(monitor=monitor, down_status=integration.config["firing_status"])
    return AlertRoute.objects.create(integration=integration, component=component, monitor=monitor)


def _keep_payload(integration: Integration, body: str, receipt: Receipt, ok: bool) -> None:
    now = timezone.now()
    Payload.objects.create(integration=integration, received_at=now, body=body[:MAX_KEPT_BODY],
                           accepted=ok, outcome=receipt.outcome())  # fmt: skip
    old = integration.payloads.values_list("id", flat=True)[PAYLOADS_KEPT:]
    Payload.objects.filter(id__in=list(old)).delete()


def refused_payload(integration: Integration, body: bytes, reason: str) -> None:
    """A message that did not parse: kept for the console, changes nothing else."""
    with transaction.atomic():
        _keep_payload(integration, body.decode("utf-8", "replace"),
                      Receipt(ignored=[reason]), ok=False)  # fmt: skip


def receive_alerts(integration: Integration, alerts: list[Alert], body: bytes) -> Receipt:
    """Open and close the named alerts, then ping each route that changed.

    Alerts naming no component, or one the page does not have, are listed in
    the receipt and change nothing. One transaction.
    """
    receipt = Receipt()
    now = timezone.now()
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        components = _components(locked.page, {a.component for a in alerts if a.component})
        touched: dict[int, AlertRoute] = {}
        for alert in alerts:
            component = components.get(alert.component)
            if component is None:
                label = alert.component or "(none)"
                receipt.ignored.append(f"{alert.summary or alert.key}: no component {label!r}")
                continue
            route = touched.get(component.pk) or _route(locked, component)
            touched[component.pk] = route
            if alert.firing:
                FiringAlert.objects.update_or_create(
                    route=route, key=alert.key or component.code,
                    defaults={"summary": alert.summary[:300]}, create_defaults={
                        "summary": alert.summary[:300], "since": now},
                )  # fmt: skip
            else:
                FiringAlert.objects.filter(route=route, key=alert.key or component.code).delete()
            receipt.accepted += 1
        for route in touched.values():
            firing = route.firing.exists()
            monitors.record_ping(str(route.monitor.ping_key),
                                 PingKind.FAIL if firing else PingKind.SUCCESS,
                                 now, check_now=True)  # fmt: skip
        _keep_payload(locked, body.decode("utf-8", "replace"), receipt, ok=True)
    return receipt


def pretty(body: str) -> str:
    """A kept payload indented for reading (as received when it is not JSON)."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


def pretty_config(integration: Integration) -> str:
    return json.dumps(shown_config(integration), indent=2)
