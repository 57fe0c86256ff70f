"""An incident's own events in time order, with the durations between them.

The postmortem editor prefills its "Timeline" from this; the console shows it
beside the updates. Other apps add their own evidence (a monitor's first failed
check, say) with ``register_timeline_source``: status imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from aviso.lib.timezones import utc_offset_label
from aviso.status.choices import ActorKind, ComponentStatus, IncidentStatus
from aviso.status.models import ComponentStatusChange, Incident


class EntryKind:
    STARTED = "started"
    DETECTED = "detected"
    UPDATE = "update"
    COMPONENT = "component"
    RESOLVED = "resolved"


# Several entries at the same instant read in this order (a detection before the
# update it caused, the update before the status changes it made).
_ORDER = {
    EntryKind.STARTED: 0,
    EntryKind.DETECTED: 1,
    EntryKind.UPDATE: 2,
    EntryKind.COMPONENT: 3,
    EntryKind.RESOLVED: 4,
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    text: str
    actor: str = ""
    # Filled in by ``incident_timeline``.
    since_previous: dt.timedelta | None = field(default=None, compare=False)
    since_start: dt.timedelta | None = field(default=None, compare=False)


TimelineSource = Callable[[Incident], Iterable[TimelineEntry]]
_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    """Add entries from another app (detection evidence), keyed so a re-register replaces."""
    _sources[name] = source


def _label(value: str) -> str:
    try:
        return str(ComponentStatus(value).label)
    except ValueError:
        return value


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def incident_timeline(incident: Incident) -> list[TimelineEntry]:
    """Start, detections, updates, component changes and resolution, oldest first."""
    updates = list(incident.updates.order_by("display_at", "id"))
    changes = list(
        ComponentStatusChange.objects.filter(incident=incident)
        .select_related("component__group")
        .order_by("at", "id")
    )
    entries: list[TimelineEntry] = []
    first_update_at = updates[0].display_at if updates else None
    if first_update_at is None or incident.started_at < first_update_at:
        entries.append(TimelineEntry(incident.started_at, EntryKind.STARTED, _("Incident began")))
    if incident.opened_by_kind == ActorKind.AUTOMATION:
        # Opened by a monitor: that opening is the first detection (monitors may add
        # their own evidence, earlier, through a timeline source).
        opener = updates[0].actor_label if updates else ""
        entries.append(
            TimelineEntry(
                incident.created_at, EntryKind.DETECTED, _("Detected automatically"), opener
            )
        )
    for source in _sources.values():
        entries.extend(source(incident))
    for update in updates:
        status = IncidentStatus(update.status).label
        entries.append(
            TimelineEntry(
                update.display_at,
                EntryKind.UPDATE,
                f"{status}: {_first_line(update.body)}",
                update.actor_label,
            )
        )
    for change in changes:
        text = _("%(component)s: %(old)s → %(new)s") % {
            "component": change.component.display_name,
            "old": _label(change.old_status),
            "new": _label(change.new_status),
        }
        entries.append(TimelineEntry(change.at, EntryKind.COMPONENT, text))
    if incident.resolved_at is not None:
        entries.append(
            TimelineEntry(
                incident.resolved_at,
                EntryKind.RESOLVED,
                _("Resolved, %(duration)s after it began")
                % {"duration": format_duration(incident.resolved_at - incident.started_at)},
            )
        )
    entries.sort(key=lambda e: (e.at, _ORDER.get(e.kind, 9)))
    start = min((e.at for e in entries), default=incident.started_at)
    timed, previous = [], None
    for entry in entries:
        timed.append(
            TimelineEntry(
                entry.at,
                entry.kind,
                entry.text,
                entry.actor,
                since_previous=None if previous is None else entry.at - previous,
                since_start=entry.at - start,
            )
        )
        previous = entry.at
    return timed


def format_duration(delta: dt.timedelta | None) -> str:
    """``1d 2h 5m``; under a minute reads ``0m``."""
    if delta is None:
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or not parts else []
    return " ".join(parts)


def timeline_markdown(entries: list[TimelineEntry], zone) -> str:
    """The timeline as a Markdown list in the page's zone, for the postmortem draft."""
    lines = []
    for entry in entries:
        local = entry.at.astimezone(zone)
        when = f"{local:%Y-%m-%d %H:%M} ({utc_offset_label(local)})"
        after = (
            f" (+{format_duration(entry.since_previous)})"
            if entry.since_previous is not None
            else ""
        )
        lines.append(f"- **{when}**{after} {entry.text}")
    return "\n".join(lines)
