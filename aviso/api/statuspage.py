"""Statuspage's public v2 JSON, built from plain queries into plain dicts and bytes.

The views in ``aviso.api.views`` serve these; the snapshot publisher renders
the same bytes (``render(name, page)``). Every builder runs a fixed number of
queries whatever the number of incidents, updates or components. The mapping
from Aviso's models to these objects is written down in docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable, Iterable

from django.db.models import Prefetch
from django.utils.translation import get_language

from aviso.lib.languages import page_languages
from aviso.status.choices import (
    IncidentStatus,
    MaintenanceStatus,
    worst_component_status,
)
from aviso.status.derivation import page_state
from aviso.status.models import (
    AuditEntry,
    Component,
    ComponentGroup,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    MaintenanceUpdate,
    Page,
)
from aviso.status.routing import page_address
from aviso.status.showing import page_incidents, page_maintenances, shown_components

# How many incidents and maintenances the full lists carry, as on Statuspage.
LIST_LIMIT = 50
# Zones Statuspage (Rails) writes with "Z" instead of "+00:00".
_UTC_NAMES = {"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}
_ACTIVE_OR_PLANNED = [MaintenanceStatus.SCHEDULED, *MaintenanceStatus.active_values()]


def timestamp(moment: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> str | None:
    """``2020-06-16T14:00:29.031-07:00``: milliseconds and the page's offset, always."""
    if moment is None:
        return None
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + f".{local.microsecond // 1000:03d}"
    if zone.key in _UTC_NAMES:
        return text + "Z"
    offset = local.strftime("%z")  # +0530, or +053012 for old local mean times
    return f"{text}{offset[:3]}:{offset[3:5]}"


def page_url(page: Page) -> str:
    return page_address(page)


def last_change(page: Page) -> dt.datetime:
    """When anything on the page last changed: the newest audit entry (one query)."""
    # Newest first through the index on ``at``, rather than an aggregate over the page.
    latest = (
        AuditEntry.objects.filter(page=page).order_by("-at").values_list("at", flat=True).first()
    )
    return max(filter(None, [latest, page.updated_at]))


def page_json(page: Page, updated_at: dt.datetime) -> dict:
    return {
        "id": page.code,
        "name": page.name,
        "url": page_url(page),
        "time_zone": page.time_zone,
        "updated_at": timestamp(updated_at, page.zone),
    }


class _Components:
    """The page's components and groups (two queries), as Statuspage's flat list."""

    def __init__(self, page: Page):
        self.page = page
        self.zone = page.zone
        groups = list(ComponentGroup.objects.filter(page=page).order_by("position", "id"))
        members = list(
            shown_components(page).only(
                "id",
                "code",
                "name",
                "description",
                "position",
                "status",
                "showcase",
                "only_show_if_degraded",
                "start_date",
                "group_id",
                "page_id",
                "created_at",
                "updated_at",
            )
        )
        self.statuses = [c.status for c in members]
        group_codes = {g.pk: g.code for g in groups}
        children: dict[int, list[Component]] = {}
        top_level: list[Component | ComponentGroup] = []
        for component in members:
            if component.shown_group_id in group_codes:
                children.setdefault(component.shown_group_id, []).append(component)
            else:
                top_level.append(component)
        # On the page, ungrouped components come first, then the groups.
        if getattr(page, "visible_component_ids", None) is not None:
            groups = [g for g in groups if g.pk in children]  # an audience's reader: theirs
        top_level += groups

        rows: list[tuple[tuple, dict]] = []
        self.by_id: dict[int, dict] = {}
        for rank, item in enumerate(top_level):
            if isinstance(item, ComponentGroup):
                kids = children.get(item.pk, [])
                group = self._group(item, rank + 1, kids)
                rows.append(((rank + 1, 0, rank), group))
                for index, child in enumerate(kids):
                    data = self._component(child, index + 1, item.code)
                    rows.append(((index + 1, 1, rank), data))
            else:
                rows.append(((rank + 1, 0, rank), self._component(item, rank + 1, None)))
        # Statuspage sorts the flat list by position; a group's children follow the
        # top-level item of the same position, in the order of their groups.
        rows.sort(key=lambda row: row[0])
        self.flat = [data for _, data in rows]

    def _component(self, component: Component, position: int, group_code: str | None) -> dict:
        data = {
            "id": component.code,
            "name": component.name,
            "status": component.status,
            "created_at": timestamp(component.created_at, self.zone),
            "updated_at": timestamp(component.updated_at, self.zone),
            "position": position,
            "description": component.description or None,
            "showcase": component.showcase,
            "start_date": component.start_date.isoformat() if component.start_date else None,
            "group_id": group_code,
            "page_id": self.page.code,
            "group": False,
            "only_show_if_degraded": component.only_show_if_degraded,
        }
        self.by_id[component.pk] = data
        return data

    def _group(self, group: ComponentGroup, position: int, kids: list[Component]) -> dict:
        latest = max([group.updated_at, *(c.updated_at for c in kids)])
        return {
            "id": group.code,
            "name": group.name,
            "status": str(worst_component_status(c.status for c in kids)),
            "created_at": timestamp(group.created_at, self.zone),
            "updated_at": timestamp(latest, self.zone),
            "position": position,
            "description": group.description or None,
            "showcase": False,
            "start_date": None,
            "group_id": None,
            "page_id": self.page.code,
            "group": True,
            "only_show_if_degraded": False,
            "components": [c.code for c in kids],
        }

    def pick(self, ids: Iterable[int]) -> list[dict]:
        """Full component objects for these primary keys, in the flat list's order."""
        wanted = set(ids)
        return [data for pk, data in self.by_id.items() if pk in wanted]


def _status_json(statuses: Iterable[str]) -> dict:
    state = page_state(statuses)
    # Statuspage's English words verbatim; the reader's language for every other.
    english = (get_language() or "en") == "en"
    return {
        "indicator": str(state.indicator),
        "description": state.description if english else state.headline,
    }


def _reader_body(update: IncidentUpdate | MaintenanceUpdate, page: Page) -> str:
    """The update's text in the language being rendered (the page's first when not written)."""
    return update.body_for(get_language(), page_languages(page.languages)[0])[0]


def _affected(changes: list | None) -> list[dict] | None:
    # Rebuilt in Statuspage's key order: PostgreSQL's jsonb does not keep it.
    if not changes:
        return None
    keys = ("code", "name", "old_status", "new_status")
    return [
        {key: change.get(key) for key in keys} for change in changes if isinstance(change, dict)
    ]


def update_json(update: IncidentUpdate, incident_code: str, zone, body: str | None = None) -> dict:
    return {
        "id": update.code,
        "status": update.status,
        "body": update.body if body is None else body,
        "incident_id": incident_code,
        "created_at": timestamp(update.created_at, zone),
        "updated_at": timestamp(update.updated_at, zone),
        "display_at": timestamp(update.display_at, zone),
        "affected_components": _affected(update.affected_components),
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident_status(incident: Incident) -> str:
    """Statuspage's status: a resolved incident with a published postmortem is "postmortem"."""
    postmortem = getattr(incident, "postmortem", None)
    if incident.status == IncidentStatus.RESOLVED and postmortem and postmortem.is_published:
        return "postmortem"
    return incident.status


def _incidents(page: Page, queryset, components: _Components) -> list[dict]:
    """Incidents with their updates and components: three queries."""
    zone, base = page.zone, page_url(page)
    incidents = queryset.select_related("postmortem").prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-id")),
        Prefetch("affected", queryset=IncidentComponent.objects.only("incident_id", "component")),
    )
    result = []
    for incident in incidents:
        updates = list(incident.updates.all())
        result.append(
            {
                "id": incident.code,
                "name": incident.name,
                "status": incident_status(incident),
                "created_at": timestamp(incident.created_at, zone),
                "updated_at": timestamp(incident.updated_at, zone),
                "monitoring_at": timestamp(incident.monitoring_at, zone),
                "resolved_at": timestamp(incident.resolved_at, zone),
                "impact": incident.impact,  # the lifecycle keeps its peak
                "shortlink": f"{base}/incidents/{incident.code}",
                "started_at": timestamp(incident.started_at, zone),
                "page_id": page.code,
                "incident_updates": [
                    update_json(u, incident.code, zone, _reader_body(u, page)) for u in updates
                ],
                "components": components.pick(a.component_id for a in incident.affected.all()),
            }
        )
    return result


def maintenance_update_json(
    update: MaintenanceUpdate, code: str, zone, body: str | None = None
) -> dict:
    return {
        "id": update.code,
        "status": update.status,
        "body": update.body if body is None else body,
        "incident_id": code,
        "created_at": timestamp(update.created_at, zone),
        "updated_at": timestamp(update.created_at, zone),
        "display_at": timestamp(update.display_at, zone),
        "affected_components": None,
        "deliver_notifications": update.deliver_notifications,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _maintenances(page: Page, queryset, components: _Components) -> list[dict]:
    """Maintenances shaped as Statuspage's incidents plus the window: three queries."""
    zone, base = page.zone, page_url(page)
    maintenances = queryset.prefetch_related(
        Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id")),
        Prefetch("components", queryset=Component.objects.only("id")),
    )
    result = []
    for maintenance in maintenances:
        updates = list(maintenance.updates.all())
        verifying = [u.display_at for u in updates if u.status == MaintenanceStatus.VERIFYING]
        result.append(
            {
                "id": maintenance.code,
                "name": maintenance.name,
                "status": maintenance.status,
                "created_at": timestamp(maintenance.created_at, zone),
                "updated_at": timestamp(maintenance.updated_at, zone),
                "monitoring_at": timestamp(min(verifying, default=None), zone),
                "resolved_at": timestamp(maintenance.completed_at, zone),
                "impact": "maintenance",
                "shortlink": f"{base}/maintenances/{maintenance.code}",
                "started_at": timestamp(maintenance.created_at, zone),
                "page_id": page.code,
                "incident_updates": [
                    maintenance_update_json(u, maintenance.code, zone, _reader_body(u, page))
                    for u in updates
                ],
                "components": components.pick(c.pk for c in maintenance.components.all()),
                "scheduled_for": timestamp(maintenance.scheduled_for, zone),
                "scheduled_until": timestamp(maintenance.scheduled_until, zone),
            }
        )
    return result


def _page_incidents(page: Page):
    return page_incidents(page).order_by("-created_at", "-id")


def _page_maintenances(page: Page):
    # A cancelled maintenance never happened: Statuspage has no status for it.
    return page_maintenances(page).exclude(status=MaintenanceStatus.CANCELLED)


def summary(page: Page) -> dict:
    components = _Components(page)
    return {
        "page": page_json(page, last_change(page)),
        "components": components.flat,
        "incidents": _incidents(
            page,
            _page_incidents(page).filter(status__in=IncidentStatus.open_values()),
            components,
        ),
        "scheduled_maintenances": _maintenances(
            page,
            _page_maintenances(page)
            .filter(status__in=_ACTIVE_OR_PLANNED)
            .order_by("scheduled_for", "id"),
            components,
        ),
        "status": _status_json(components.statuses),
    }


def status(page: Page) -> dict:
    statuses = shown_components(page).values_list("status", flat=True)
    return {"page": page_json(page, last_change(page)), "status": _status_json(statuses)}


def components(page: Page) -> dict:
    return {"page": page_json(page, last_change(page)), "components": _Components(page).flat}


def incidents(page: Page) -> dict:
    return {
        "page": page_json(page, last_change(page)),
        "incidents": _incidents(page, _page_incidents(page)[:LIST_LIMIT], _Components(page)),
    }


def unresolved_incidents(page: Page) -> dict:
    return {
        "page": page_json(page, last_change(page)),
        "incidents": _incidents(
            page,
            _page_incidents(page).filter(status__in=IncidentStatus.open_values()),
            _Components(page),
        ),
    }


def scheduled_maintenances(page: Page) -> dict:
    queryset = _page_maintenances(page).order_by("-scheduled_for", "-id")[:LIST_LIMIT]
    return {
        "page": page_json(page, last_change(page)),
        "scheduled_maintenances": _maintenances(page, queryset, _Components(page)),
    }


def upcoming_maintenances(page: Page) -> dict:
    queryset = (
        _page_maintenances(page)
        .filter(status=MaintenanceStatus.SCHEDULED)
        .order_by("scheduled_for", "id")
    )
    return {
        "page": page_json(page, last_change(page)),
        "scheduled_maintenances": _maintenances(page, queryset, _Components(page)),
    }


def active_maintenances(page: Page) -> dict:
    queryset = (
        _page_maintenances(page)
        .filter(status__in=MaintenanceStatus.active_values())
        .order_by("scheduled_for", "id")
    )
    return {
        "page": page_json(page, last_change(page)),
        "scheduled_maintenances": _maintenances(page, queryset, _Components(page)),
    }


# The public paths (below /api/v2/, without ".json") and their builders.
ENDPOINTS: dict[str, Callable[[Page], dict]] = {
    "summary": summary,
    "status": status,
    "components": components,
    "incidents": incidents,
    "incidents/unresolved": unresolved_incidents,
    "scheduled-maintenances": scheduled_maintenances,
    "scheduled-maintenances/upcoming": upcoming_maintenances,
    "scheduled-maintenances/active": active_maintenances,
}


def encode(data: dict) -> bytes:
    """Compact UTF-8 JSON, as Statuspage sends it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def render(name: str, page: Page) -> bytes:
    """The bytes of ``/api/v2/<name>.json`` for ``page`` (for the snapshot publisher)."""
    return encode(ENDPOINTS[name](page))


# For the management API (/v1/), which answers with the same objects plus its own fields.
Components = _Components


def incident_objects(page: Page, queryset, components: _Components | None = None) -> list[dict]:
    return _incidents(page, queryset, components or _Components(page))


def maintenance_objects(page: Page, queryset, components: _Components | None = None) -> list[dict]:
    return _maintenances(page, queryset, components or _Components(page))
