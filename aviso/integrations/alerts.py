"""Reading alert messages: Alertmanager's webhook (version 4), Grafana's alerting
webhook (unified and legacy), and any JSON through a mapping.

Each parser turns a decoded body into ``Alert`` items: which component (a code
or a name, resolved later against the page), firing or resolved, a key that
tells one alert from another on the same component, and a one-line summary
for the console. A body that is not the shape raises ``BadPayload`` with a
message per field.
"""

from __future__ import annotations

from dataclasses import dataclass

from aviso.integrations.configs import AlertsConf, WebhookConf

MAX_ALERTS = 500


@dataclass(frozen=True)
class Alert:
    component: str
    firing: bool
    key: str
    summary: str = ""


class BadPayload(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _text(value: object, limit: int = 300) -> str:
    return str(value).strip()[:limit] if value is not None else ""


def _labels_key(labels: dict) -> str:
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))[:200]


def _summary(labels: dict, annotations: dict) -> str:
    name = _text(labels.get("alertname"), 100)
    said = _text(annotations.get("summary") or annotations.get("description"), 190)
    return f"{name}: {said}" if name and said else name or said


def _prometheus_style(body: dict, conf: AlertsConf) -> list[Alert]:
    """The ``alerts`` list both Alertmanager and Grafana's unified alerting send."""
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise BadPayload({"alerts": "Expected a list of alerts."})
    if len(alerts) > MAX_ALERTS:
        raise BadPayload({"alerts": f"At most {MAX_ALERTS} alerts in one message."})
    common = body.get("commonLabels") if isinstance(body.get("commonLabels"), dict) else {}
    found = []
    for index, item in enumerate(alerts):
        if not isinstance(item, dict):
            raise BadPayload({f"alerts[{index}]": "Expected an object."})
        status = item.get("status")
        if status not in ("firing", "resolved"):
            raise BadPayload({f"alerts[{index}].status": 'Expected "firing" or "resolved".'})
        labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
        annotations = item.get("annotations")
        annotations = annotations if isinstance(annotations, dict) else {}
        component = labels.get(conf.component_label, common.get(conf.component_label))
        key = _text(item.get("fingerprint"), 200) or _labels_key(labels)
        found.append(
            Alert(_text(component, 200), status == "firing", key, _summary(labels, annotations))
        )
    return found


def alertmanager(body: object, conf: AlertsConf) -> list[Alert]:
    if not isinstance(body, dict):
        raise BadPayload({"body": "Expected Alertmanager's webhook object."})
    version = body.get("version")
    if version is not None and str(version) != "4":
        said = _text(version, 20)
        raise BadPayload({"version": f'Only version "4" is understood, not "{said}".'})
    return _prometheus_style(body, conf)


_LEGACY_STATES = {"alerting": True, "ok": False, "no_data": None, "paused": None, "pending": None}


def grafana(body: object, conf: AlertsConf) -> list[Alert]:
    """Grafana 8+ (unified alerting) sends Alertmanager's shape; older Grafana sends
    one rule with ``state`` and ``tags`` (no_data, paused and pending change nothing)."""
    if not isinstance(body, dict):
        raise BadPayload({"body": "Expected Grafana's webhook object."})
    if "alerts" in body:
        return _prometheus_style(body, conf)
    state = body.get("state")
    if state not in _LEGACY_STATES:
        raise BadPayload({"state": f"Expected one of: {', '.join(_LEGACY_STATES)}."})
    firing = _LEGACY_STATES[state]
    if firing is None:
        return []
    tags = body.get("tags") if isinstance(body.get("tags"), dict) else {}
    key = _text(body.get("ruleId") or body.get("ruleName"), 200)
    summary = _text(body.get("ruleName") or body.get("title"), 300)
    return [Alert(_text(tags.get(conf.component_label), 200), firing, key, summary)]


def dig(data: object, path: str) -> object:
    """The value at a dotted path (``alert.labels.service``), or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def webhook(body: object, conf: WebhookConf) -> list[Alert]:
    items = dig(body, conf.items_field) if conf.items_field else [body]
    if not isinstance(items, list):
        raise BadPayload({conf.items_field: "Expected a list at this field."})
    if len(items) > MAX_ALERTS:
        raise BadPayload({conf.items_field: f"At most {MAX_ALERTS} items in one message."})
    found = []
    for index, item in enumerate(items):
        where = f"{conf.items_field}[{index}]." if conf.items_field else ""
        state = _text(dig(item, conf.state_field), 100).lower()
        if state in conf.firing_values:
            firing = True
        elif state in conf.resolved_values:
            firing = False
        else:
            known = ", ".join([*conf.firing_values, *conf.resolved_values])
            raise BadPayload({f"{where}{conf.state_field}": f"Expected one of: {known}."})
        component = _text(dig(item, conf.component_field), 200)
        if not component:
            raise BadPayload({f"{where}{conf.component_field}": "Name the component."})
        key = _text(dig(item, conf.key_field), 200) if conf.key_field else ""
        found.append(Alert(component, firing, key or component, f"{component}: {state}"))
    return found
