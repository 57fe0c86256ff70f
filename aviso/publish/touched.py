"""Which snapshots an outbox event touches, so a change renders only those.

An event is reduced to a *scope* (JSON, kept in ``PendingRender`` until the
next render): ``{"all": true}`` or the incidents, maintenances and component
states it changed (``"badges"``: the codes of the components whose status moved;
``"components": true``, any of them). At render time the union of the pending
scopes is turned into site paths (``touched_paths``); each is rendered in every
page language. An incident touches only the history window holding the month it
started in (its start is set once, at creation); a maintenance every live window
(its schedule can be moved).
Anything not listed here (a page or component setting, a kind added later)
touches everything: a scope that is too wide costs time, one too narrow would
serve a stale page. See docs/publish.md for the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings

from aviso.lib.timezones import add_months
from aviso.publish.render import API_PATHS
from aviso.status.choices import EventKind
from aviso.status.history import current_month, parse_through
from aviso.status.models import Event, Incident, Maintenance, Page
from aviso.status.showing import page_incidents, page_maintenances

EVERYTHING = {"all": True}

# Touched by every public change. Each v2 JSON file carries the page's
# ``updated_at`` (the newest change of any kind) and the feeds their
# ``<updated>``/``lastBuildDate``, so any change moves them all; they are a
# fixed handful whatever the history size.
EVERY_CHANGE_PATHS = {
    "/",
    "/uptime",
    "/badge.svg",
    "/history.atom",
    "/history.rss",
    *API_PATHS,
}
MAINTENANCE_PATHS = EVERY_CHANGE_PATHS | {"/maintenance.ics"}
# What moves with time alone, without an event: the front page (uptime bars roll
# over at midnight, response-time charts follow the checks, recent notices age
# out), the uptime figures, the upcoming maintenances; with the present month's
# report (``timed_paths``). Rendered again at each periodic refresh.
TIMED_PATHS = MAINTENANCE_PATHS
BADGE = "/components/{code}/badge.svg"

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
    badges = _moved_components(event)
    if event.kind in INCIDENT_KINDS and event.incident_id is not None:
        if badges is None:  # the event does not say which components moved
            return {"incidents": [event.incident_id], "components": True}
        return {"incidents": [event.incident_id], "badges": badges}
    if event.kind in MAINTENANCE_KINDS and event.maintenance_id is not None:
        return {"maintenances": [event.maintenance_id]}
    if event.kind == EventKind.COMPONENT_STATUS_CHANGED:
        return {"badges": badges} if badges else {"components": True}
    # A deleted incident (its history window is no longer known), a page or
    # component setting, and any kind this table does not know yet.
    return EVERYTHING


def _moved_components(event: Event) -> list[str] | None:
    """The codes of the components the event moved (its payload's Statuspage-style
    ``component_changes``), or None when the payload does not say."""
    changes = (event.payload or {}).get("component_changes")
    if changes is None:
        return None
    codes = [change.get("code") for change in changes if isinstance(change, dict)]
    return None if None in codes else codes


def merge(scopes: Iterable[dict]) -> dict:
    """The union of several scopes."""
    merged: dict = {"incidents": set(), "maintenances": set(), "components": False}
    merged["badges"] = set()
    for scope in scopes:
        if scope.get("all"):
            return EVERYTHING
        merged["incidents"] |= set(scope.get("incidents", ()))
        merged["maintenances"] |= set(scope.get("maintenances", ()))
        merged["components"] = merged["components"] or bool(scope.get("components"))
        merged["badges"] |= set(scope.get("badges", ()))
    return merged


def timed_paths(site_paths: list[str], page: Page) -> set[str]:
    """The paths of ``site_paths`` that move with time alone (``TIMED_PATHS``)."""
    present = current_month(page)
    return {p for p in site_paths if p in TIMED_PATHS or _report_month(p) == present}


def _report_month(path: str) -> tuple[int, int] | None:
    """The month of an ``/uptime?month=YYYY-MM`` report; None for any other path."""
    if not path.startswith("/uptime?month="):
        return None
    return parse_through(path.partition("month=")[2])


def _windows_holding(months: set[tuple[int, int]], site_paths: list[str], page: Page) -> set[str]:
    """The live history windows (``/history`` is the present one) showing any of ``months``."""
    count = settings.HISTORY_MONTHS_PER_PAGE
    windows = {p: parse_through(p.partition("through=")[2]) for p in site_paths}
    windows = {p: t for p, t in windows.items() if p.startswith("/history?through=") and t}
    windows["/history"] = current_month(page)
    return {
        path
        for path, through in windows.items()
        if any(add_months(*through, -offset) in months for offset in range(count))
    }


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
        "badges": set(scope.get("badges") or ()),
    }


def touched_paths(scope: dict, site_paths: list[str], page: Page | None = None) -> set[str]:
    """The paths of ``site_paths`` that ``scope`` (a ``merge`` result, not everything) touches.

    An incident's notice sits in the window of the month it started in, so only
    that window is rendered (the present one for a new incident). A maintenance's
    schedule can move to another month, so it touches every live window; they are
    few (``AVISO_PUBLISH_HISTORY_WINDOWS``) whatever the history size. A component
    badge is rendered when that component's status moved.
    """
    wanted: set[str] = set()
    incidents = scope.get("incidents") or set()
    maintenances = scope.get("maintenances") or set()
    if incidents or maintenances or scope.get("components") or scope.get("badges"):
        wanted |= EVERY_CHANGE_PATHS
    months = set()
    if incidents:
        page = page or Page.default()
        rows = Incident.objects.filter(pk__in=incidents).values_list("code", "started_at")
        for code, started_at in rows:
            wanted.add(f"/incidents/{code}")
            local = started_at.astimezone(page.zone)
            months.add((local.year, local.month))
        wanted |= _windows_holding(months, site_paths, page)
    if maintenances:
        wanted |= MAINTENANCE_PATHS | {"/history"}
        codes = Maintenance.objects.filter(pk__in=maintenances).values_list("code", flat=True)
        wanted |= {f"/maintenances/{code}" for code in codes}
        wanted |= {p for p in site_paths if p.startswith("/history?through=")}
    if incidents or scope.get("components"):
        # A report month counts its incidents and its component states. States move
        # only now; an incident counts in every month from its start (creation may
        # set it in the past) to the present one, which is the only one for a new
        # incident or a status change.
        since = min(months | {current_month(page or Page.default())})
        reports = {p: _report_month(p) for p in site_paths}
        wanted |= {p for p, month in reports.items() if month is not None and month >= since}
    if maintenances or scope.get("components"):
        # Which components a maintenance's state moves is not in every event: all badges.
        wanted |= {p for p in site_paths if p.startswith("/components/")}
    wanted |= {BADGE.format(code=code) for code in scope.get("badges") or ()}
    return wanted & set(site_paths)
