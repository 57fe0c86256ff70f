"""Reading a Statuspage v2 export: files in a directory or a page's public API.

Statuspage serves ``/api/v2/summary.json``, ``components.json``,
``incidents.json`` (the last 50, every update) and
``scheduled-maintenances.json``. Any of them may be missing; what is there is
merged by id. The shapes are checked with lenient pydantic models: unknown
fields are ignored, a wrong shape is an error naming the file and the field.

A page's API is read through the one outbound HTTP helper and its address
guard (the monitors' policy: ``OUTBOUND_BLOCK_PRIVATE``, ``OUTBOUND_ALLOW``,
cloud metadata refused), every redirect hop checked, each file capped at
``MAX_BYTES``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, ValidationError

from aviso.config.errors import dotted
from aviso.lib.http import OutboundError, fetch
from aviso.lib.netguard import Policy

FILES = ["summary.json", "components.json", "incidents.json", "scheduled-maintenances.json"]
MAX_BYTES = 50 * 1024 * 1024
TIMEOUT = 30


class StatuspageError(Exception):
    """The export cannot be read or imported; nothing was changed."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SpPage(_Lenient):
    id: str
    name: str
    url: str | None = None
    time_zone: str | None = None


class SpComponent(_Lenient):
    id: str
    name: str
    status: str = "operational"
    position: int = 0
    description: str | None = None
    showcase: bool = True
    start_date: dt.date | None = None
    group_id: str | None = None
    group: bool = False
    only_show_if_degraded: bool = False
    updated_at: dt.datetime | None = None


class SpAffected(_Lenient):
    # Statuspage writes {"name": "No components were affected by this update."} too.
    code: str | None = None
    name: str = ""
    old_status: str | None = None
    new_status: str | None = None


class SpUpdate(_Lenient):
    id: str | None = None
    status: str
    body: str | None = ""
    display_at: dt.datetime | None = None
    created_at: dt.datetime
    affected_components: list[SpAffected] | None = None

    @property
    def at(self) -> dt.datetime:
        return self.display_at or self.created_at


class SpIncident(_Lenient):
    id: str
    name: str
    status: str
    impact: str = "none"
    created_at: dt.datetime
    updated_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    monitoring_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    scheduled_for: dt.datetime | None = None
    scheduled_until: dt.datetime | None = None
    components: list[SpComponent] | None = None
    incident_updates: list[SpUpdate] = []
    postmortem_body: str | None = None
    postmortem_published_at: dt.datetime | None = None

    @property
    def updates(self) -> list[SpUpdate]:
        """Oldest first (Statuspage lists them newest first)."""
        return sorted(self.incident_updates, key=lambda u: (u.at, u.created_at))


class Export(_Lenient):
    page: SpPage | None = None
    components: list[SpComponent] = []
    incidents: list[SpIncident] = []
    scheduled_maintenances: list[SpIncident] = []


def _read_file(directory: Path, name: str) -> bytes | None:
    path = directory / name
    if not path.exists():
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StatuspageError(f"{path}: cannot read: {exc}") from None


def _base_url(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/api/v2") else f"{base}/api/v2"


def _fetch(base: str, name: str) -> bytes | None:
    url = f"{base}/{name}"
    policy = Policy(block_private=settings.OUTBOUND_BLOCK_PRIVATE, allow=settings.OUTBOUND_ALLOW)
    try:
        answer = asyncio.run(
            fetch(
                url,
                headers={"Accept": "application/json"},
                timeout=TIMEOUT,
                max_bytes=MAX_BYTES,
                policy=policy,
            )
        )
    except OutboundError as exc:
        raise StatuspageError(f"{url}: cannot fetch: {exc}") from None
    if answer.status == 404:
        return None
    if answer.status != 200:
        raise StatuspageError(f"{url}: HTTP {answer.status}")
    if answer.truncated:
        raise StatuspageError(f"{url}: larger than {MAX_BYTES} bytes")
    return answer.body


def read_raw(location: str) -> dict[str, Any]:
    """{file name: parsed JSON} for each file the location has."""
    is_url = location.startswith(("http://", "https://"))
    if not is_url and not Path(location).is_dir():
        raise StatuspageError(f"{location}: not a directory or an http(s) URL")
    found: dict[str, Any] = {}
    for name in FILES:
        raw = _fetch(_base_url(location), name) if is_url else _read_file(Path(location), name)
        if raw is None:
            continue
        try:
            found[name] = json.loads(raw)
        except ValueError as exc:
            raise StatuspageError(f"{name}: not JSON: {exc}") from None
    if not found:
        raise StatuspageError(f"{location}: none of {', '.join(FILES)} found")
    return found


def _merge(target: dict[str, SpIncident], items: list[SpIncident]) -> None:
    for item in items:
        known = target.get(item.id)
        if known is None or len(item.incident_updates) > len(known.incident_updates):
            target[item.id] = item


def read_export(location: str) -> Export:
    files = read_raw(location)
    parts: dict[str, Export] = {}
    for name, data in files.items():
        try:
            parts[name] = Export.model_validate(data)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            raise StatuspageError(
                f"{name}: {dotted(tuple(error['loc']))}: {error['msg']}"
            ) from None
    merged = Export()
    for name in FILES:  # summary first; the dedicated files win where both have an item
        part = parts.get(name)
        if part is None:
            continue
        merged.page = part.page or merged.page
        if part.components:
            merged.components = part.components
    incidents: dict[str, SpIncident] = {}
    maintenances: dict[str, SpIncident] = {}
    for part in parts.values():
        _merge(incidents, part.incidents)
        _merge(maintenances, part.scheduled_maintenances)
    for item in list(incidents.values()):
        # incidents.json also lists scheduled maintenances: they are imported as such.
        if item.scheduled_for is not None:
            del incidents[item.id]
            _merge(maintenances, [item])
    merged.incidents = sorted(incidents.values(), key=lambda i: (i.created_at, i.id))
    merged.scheduled_maintenances = sorted(
        maintenances.values(), key=lambda m: (m.created_at, m.id)
    )
    if merged.page is None:
        raise StatuspageError("no file names the page (summary.json or components.json)")
    return merged
