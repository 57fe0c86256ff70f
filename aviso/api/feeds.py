"""The history feeds (Atom, RSS) and the maintenance calendar (iCalendar), as bytes.

Both feeds follow Statuspage's: one entry per incident or maintenance, its
content every update newest first, each as a date line, a bold label and the
body. A published postmortem is one more block, labelled "Postmortem". Each
builder runs a fixed number of queries (see ``_notices``).
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Prefetch
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator

from aviso.api.statuspage import last_change, page_url
from aviso.lib.languages import page_languages
from aviso.lib.markdown import render_markdown
from aviso.lib.timezones import utc_offset_label
from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.models import (
    IncidentUpdate,
    MaintenanceUpdate,
    Page,
)
from aviso.status.showing import page_incidents, page_maintenances

FEED_LIMIT = 50
ATOM_NS = "http://www.w3.org/2005/Atom"
LABELS = {
    IncidentStatus.INVESTIGATING: "Investigating",
    IncidentStatus.IDENTIFIED: "Identified",
    IncidentStatus.MONITORING: "Monitoring",
    IncidentStatus.RESOLVED: "Resolved",
    MaintenanceStatus.SCHEDULED: "Scheduled",
    MaintenanceStatus.IN_PROGRESS: "In progress",
    MaintenanceStatus.VERIFYING: "Verifying",
    MaintenanceStatus.COMPLETED: "Completed",
    MaintenanceStatus.CANCELLED: "Cancelled",
}


@dataclass
class Block:
    at: dt.datetime
    label: str
    html: str  # already safe HTML


@dataclass
class Entry:
    code: str
    kind: str  # "Incident" or "Maintenance"
    title: str
    link: str
    published: dt.datetime
    updated: dt.datetime
    blocks: list[Block]


def _label(status: str) -> str:
    """Statuspage's English labels verbatim; the status's translated name in other languages."""
    if (get_language() or "en") == "en":
        return LABELS.get(status, str(status))
    for choices in (IncidentStatus, MaintenanceStatus):
        if status in choices.values:
            return str(choices(status).label)
    return str(status)


def _blocks(updates: list, first_language: str, postmortem=None) -> list[Block]:
    """Updates newest first; "Update" where the status did not change from the one before."""
    oldest_first = sorted(updates, key=lambda u: (u.display_at, u.pk))
    english = (get_language() or "en") == "en"
    update_word = "Update" if english else _("Update")
    postmortem_word = "Postmortem" if english else _("Postmortem")
    blocks, previous = [], None
    for update in oldest_first:
        label = _label(update.status) if update.status != previous else ""
        previous = update.status
        text = update.body_for(get_language(), first_language)[0]
        body = html.escape(text).replace("\n", "<br>")
        blocks.append(Block(update.display_at, label or update_word, body))
    if postmortem is not None and postmortem.is_published:
        blocks.append(
            Block(postmortem.published_at, postmortem_word, render_markdown(postmortem.body))
        )
    blocks.sort(key=lambda b: b.at, reverse=True)
    return blocks


def _notices(page: Page) -> list[Entry]:
    """The latest incidents and maintenances: four queries."""
    base = page_url(page)
    incidents = (
        page_incidents(page)
        .select_related("postmortem")
        .prefetch_related(
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("display_at", "id"))
        )
        .order_by("-updated_at", "-id")[:FEED_LIMIT]
    )
    maintenances = (
        page_maintenances(page)
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("display_at", "id"))
        )
        .order_by("-updated_at", "-id")[:FEED_LIMIT]
    )
    entries = []
    first = page_languages(page.languages)[0]
    for incident in incidents:
        blocks = _blocks(list(incident.updates.all()), first, getattr(incident, "postmortem", None))
        entries.append(
            Entry(
                incident.code,
                "Incident",
                incident.name,
                f"{base}/incidents/{incident.code}",
                blocks[0].at if blocks else incident.created_at,
                incident.updated_at,
                blocks,
            )
        )
    for maintenance in maintenances:
        blocks = _blocks(list(maintenance.updates.all()), first)
        entries.append(
            Entry(
                maintenance.code,
                "Maintenance",
                maintenance.name,
                f"{base}/maintenances/{maintenance.code}",
                blocks[0].at if blocks else maintenance.created_at,
                maintenance.updated_at,
                blocks,
            )
        )
    entries.sort(key=lambda e: (e.published, e.code), reverse=True)
    return entries[:FEED_LIMIT]


def _zone_label(moment: dt.datetime, page: Page) -> str:
    local = moment.astimezone(page.zone)
    return "UTC" if not local.utcoffset() else utc_offset_label(local)


def content_html(entry: Entry, page: Page) -> str:
    parts = []
    for block in entry.blocks:
        local = block.at.astimezone(page.zone)
        when = (
            f"{local:%b} <var data-var='date'>{local.day}</var>, "
            f"<var data-var='time'>{local:%H:%M}</var> {_zone_label(block.at, page)}"
        )
        parts.append(
            f"<p><small>{when}</small><br><strong>{block.label}</strong> - {block.html}</p>"
        )
    return "".join(parts)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc2822(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def atom(page: Page) -> bytes:
    base = page_url(page)
    host = urlsplit(base).netloc or "localhost"
    out = io.StringIO()
    xml = SimplerXMLGenerator(out, "utf-8")
    xml.startDocument()
    xml.startElement("feed", {"xmlns": ATOM_NS, "xml:lang": "en-US"})
    xml.addQuickElement("id", f"tag:{host},2005:/history")
    xml.addQuickElement("link", "", {"rel": "alternate", "type": "text/html", "href": base})
    xml.addQuickElement(
        "link",
        "",
        {"rel": "self", "type": "application/atom+xml", "href": f"{base}/history.atom"},
    )
    xml.addQuickElement("title", _("%(page)s Status - Incident History") % {"page": page.name})
    xml.addQuickElement("updated", _rfc3339(last_change(page)))
    xml.startElement("author", {})
    xml.addQuickElement("name", page.name)
    xml.endElement("author")
    for entry in _notices(page):
        xml.startElement("entry", {})
        xml.addQuickElement("id", f"tag:{host},2005:{entry.kind}/{entry.code}")
        xml.addQuickElement("published", _rfc3339(entry.published))
        xml.addQuickElement("updated", _rfc3339(entry.updated))
        xml.addQuickElement(
            "link", "", {"rel": "alternate", "type": "text/html", "href": entry.link}
        )
        xml.addQuickElement("title", entry.title)
        xml.addQuickElement("content", content_html(entry, page), {"type": "html"})
        xml.endElement("entry")
    xml.endElement("feed")
    xml.endDocument()
    return out.getvalue().encode()


def rss(page: Page) -> bytes:
    base = page_url(page)
    out = io.StringIO()
    xml = SimplerXMLGenerator(out, "utf-8")
    xml.startDocument()
    xml.startElement("rss", {"version": "2.0", "xmlns:dc": "http://purl.org/dc/elements/1.1/"})
    xml.startElement("channel", {})
    xml.addQuickElement("title", _("%(page)s Status - Incident History") % {"page": page.name})
    xml.addQuickElement("link", base)
    xml.addQuickElement(
        "description", page.description or _("%(page)s incident history") % {"page": page.name}
    )
    xml.addQuickElement("pubDate", _rfc2822(last_change(page)))
    for entry in _notices(page):
        xml.startElement("item", {})
        xml.addQuickElement("title", entry.title)
        xml.addQuickElement("description", content_html(entry, page))
        xml.addQuickElement("pubDate", _rfc2822(entry.published))
        xml.addQuickElement("link", entry.link)
        xml.addQuickElement("guid", entry.link)
        xml.endElement("item")
    xml.endElement("channel")
    xml.endElement("rss")
    xml.endDocument()
    return out.getvalue().encode()


# iCalendar (RFC 5545) is small enough to write by hand: no runtime dependency.


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _ics_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    pieces, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        # Never cut inside a UTF-8 sequence.
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(raw[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(pieces)


def maintenance_calendar(page: Page) -> bytes:
    """Every maintenance of the page (cancelled ones as CANCELLED): two queries."""
    base = page_url(page)
    host = urlsplit(base).netloc or "localhost"
    maintenances = (
        page_maintenances(page)
        .prefetch_related(
            Prefetch("updates", queryset=MaintenanceUpdate.objects.order_by("-display_at", "-id"))
        )
        .order_by("-scheduled_for", "-id")[:500]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Aviso//Maintenance calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ics_text(page.name + ' maintenance')}",
    ]
    for maintenance in maintenances:
        updates = list(maintenance.updates.all())
        cancelled = maintenance.status == MaintenanceStatus.CANCELLED
        lines += [
            "BEGIN:VEVENT",
            f"UID:{maintenance.code}@{host}",
            f"DTSTAMP:{_ics_time(maintenance.updated_at)}",
            f"LAST-MODIFIED:{_ics_time(maintenance.updated_at)}",
            f"CREATED:{_ics_time(maintenance.created_at)}",
            f"SEQUENCE:{maintenance.version}",
            f"DTSTART:{_ics_time(maintenance.scheduled_for)}",
            f"DTEND:{_ics_time(maintenance.scheduled_until)}",
            f"SUMMARY:{_ics_text(maintenance.name)}",
            f"DESCRIPTION:{_ics_text(updates[0].body if updates else '')}",
            f"URL:{base}/maintenances/{maintenance.code}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
