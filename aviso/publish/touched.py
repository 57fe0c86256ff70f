"""Which snapshots an outbox event touches, so a change renders only those.

An event is reduced to a *scope* (JSON, kept in ``PendingRender`` until the
next render): ``{"all": true}`` or the incidents, maintenances and component
states it changed. At render time the union of the pending scopes is turned
into site paths (``touched_paths``); each is rendered in every page language.
Anything not listed here (a page or component setting, a kind added later)
touches everything: a scope that is too wide costs time, one too narrow would
serve a stale page. See docs/publish.md for the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aviso.publish.render import API_PATHS
from aviso.status.choices import EventKind
from aviso.status.models import Event, Incident, Maintenance, Page
from aviso.status.showing import page_incidents, page_maintenances

EVERYTHING = {"all": True}

# Touched by every public change. Each v2 JSON file carries the page's
# ``updated_at`` (the newest change of any kind) and the feeds their
# ``<updated>``/``lastBuildDate``, so any change moves them all; they are a
# fixed handful whatever the history size.
EVERY_CHANGE_PATHS = {
    "/",
    "/badge.svg",
    "/history.atom",
    "/history.rss",
    *API_PATHS,
}
# The history pages list incidents and maintenances alike.
NOTICE_PATHS = {"/history"}
INCIDENT_PATHS = EVERY_CHANGE_PATHS | NOTICE_PATHS
MAINTENANCE_PATHS = EVERY_CHANGE_PATHS | NOTICE_PATHS | {"/maintenance.ics"}

INCIDENT_KINDS = {
    EventKind.INCIDENT_CREATED,
    EventKind.INCIDENT_UPDATED,
    EventKind.INCIDENT_RESOLVED,
    EventKind.INCIDENT_UPDATE_EDITED,
    EventKind.INCIDENT_UPDATE_DELETED,
    EventKind.POSTMORTEM_PUBLISHED,
    EventKind.POSTMORTEM_UNPUBLISHED,
}
MAINTENANCE_KINDS = {
    EventKind.MAINTENANCE_SCHEDULED,
    EventKind.MAINTENANCE_STARTED,
    EventKind.MAINTENANCE_UPDATED,
    EventKind.MAINTENANCE_COMPLETED,
    EventKind.MAINTENANCE_CANCELLED,
}
# Seen by operators only: no public page shows them.
PRIVATE_KINDS = {EventKind.OPERATOR_ALERT, EventKind.OUTBOX_DEAD, EventKind.VIEWER_LINK}


def event_scope(event: Event | None) -> dict:
    """What ``event`` changed on the public site, as a JSON-able scope."""
    if event is None:
        return EVERYTHING
    if event.kind in PRIVATE_KINDS:
        return {}
    if event.kind in INCIDENT_KINDS and event.incident_id is not None:
        return {"incidents": [event.incident_id]}
    if event.kind in MAINTENANCE_KINDS and event.maintenance_id is not None:
        return {"maintenances": [event.maintenance_id]}
    if event.kind == EventKind.COMPONENT_STATUS_CHANGED:
        return {"components": True}
    # A deleted incident (its history window is no longer known), a page or
    # component setting, and any kind this table does not know yet.
    return EVERYTHING


def merge(scopes: Iterable[dict]) -> dict:
    """The union of several scopes."""
    merged: dict = {"incidents": set(), "maintenances": set(), "components": False}
    for scope in scopes:
        if scope.get("all"):
            return EVERYTHING
        merged["incidents"] |= set(scope.get("incidents", ()))
        merged["maintenances"] |= set(scope.get("maintenances", ()))
        merged["components"] = merged["components"] or bool(scope.get("components"))
    return merged


def narrow(scope: dict, page: Page, listed: Callable[[str], bool]) -> dict:
    """``scope`` (a ``merge`` result) as it bears on ``page``: the incidents and
    maintenances the page shows now, or showed at the last render (``listed(path)``:
    whether the page's last set holds that path), as when a component both pages
    showed was taken off the incident."""
    incidents = set(scope.get("incidents") or ())
    maintenances = set(scope.get("maintenances") or ())
    if incidents:
        shown = set(page_incidents(page).filter(pk__in=incidents).values_list("pk", flat=True))
        rest = Incident.objects.filter(pk__in=incidents - shown).values_list("pk", "code")
        shown |= {pk for pk, code in rest if listed(f"/incidents/{code}")}
        incidents = shown
    if maintenances:
        shown = set(
            page_maintenances(page).filter(pk__in=maintenances).values_list("pk", flat=True)
        )
        rest = Maintenance.objects.filter(pk__in=maintenances - shown).values_list("pk", "code")
        shown |= {pk for pk, code in rest if listed(f"/maintenances/{code}")}
        maintenances = shown
    return {
        "incidents": incidents,
        "maintenances": maintenances,
        "components": bool(scope.get("components")),
    }


def touched_paths(scope: dict, site_paths: list[str]) -> set[str]:
    """The paths of ``site_paths`` that ``scope`` (a ``merge`` result, not everything) touches.

    Every live history window is touched by any notice: an edit may move an
    incident's start to another month, and the windows are few (bounded by
    ``AVISO_PUBLISH_HISTORY_WINDOWS``) whatever the number of incidents.
    """
    wanted: set[str] = set()
    incidents = scope.get("incidents") or set()
    maintenances = scope.get("maintenances") or set()
    if scope.get("components"):
        wanted |= EVERY_CHANGE_PATHS
    if incidents:
        wanted |= INCIDENT_PATHS
        codes = Incident.objects.filter(pk__in=incidents).values_list("code", flat=True)
        wanted |= {f"/incidents/{code}" for code in codes}
    if maintenances:
        wanted |= MAINTENANCE_PATHS
        codes = Maintenance.objects.filter(pk__in=maintenances).values_list("code", flat=True)
        wanted |= {f"/maintenances/{code}" for code in codes}
    if incidents or maintenances or scope.get("components"):
        # Component badges follow component states, which incidents and maintenances set.
        wanted |= {p for p in site_paths if p.startswith("/components/")}
    if incidents or maintenances:
        wanted |= {p for p in site_paths if p.startswith("/history?through=")}
    return wanted & set(site_paths)
