"""``aviso import statuspage``: a Statuspage page's history, through the lifecycle.

Everything goes through ``aviso.status.lifecycle`` as history (its events are
written ``historical``, so neither subscribers nor operators are alerted), in
one transaction, in the original times. Identity on re-runs: the page by
slug, groups and components by name, incidents and maintenances by
``external_ref`` (``statuspage:<id>``), updates by (status, time). A re-run
adds updates newer than the last one imported, corrects edited bodies and
postmortems, and never duplicates.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils.text import slugify

from aviso.config.statuspage_source import (
    Export,
    SpComponent,
    SpIncident,
    StatuspageError,
    read_export,
)
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus, IncidentImpact, IncidentStatus, MaintenanceStatus
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.models import Component, ComponentGroup, Incident, Maintenance, Page

ACTOR = Actor.system("statuspage import")
REF_PREFIX = "statuspage:"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Statuspage's "postmortem" update status is an update on a resolved incident.
_INCIDENT_STATUS = {"postmortem": IncidentStatus.RESOLVED}


@dataclass
class Report:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def add(self, bucket: dict[str, int], kind: str, n: int = 1) -> None:
        bucket[kind] = bucket.get(kind, 0) + n

    def summary(self) -> str:
        def part(counts):
            return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing"

        return f"Created {part(self.created)}; updated {part(self.updated)}."


def _text(value: str | None, limit: int | None = None) -> str:
    text = _CONTROL.sub("", value or "").strip()
    return text[:limit] if limit else text


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _ref(item: SpIncident) -> str:
    return f"{REF_PREFIX}{item.id}"


class Importer:
    def __init__(self, export: Export, *, slug: str | None, progress=None, actor: Actor = ACTOR):
        self.export = export
        self.slug = slug
        self.progress = progress
        self.actor = actor
        self.report = Report()
        self.components: dict[str, Component] = {}  # Statuspage id -> component

    def run(self) -> Report:
        export = self.export
        if self.progress is not None:
            self.progress.total = (
                1
                + len(export.components)
                + len(export.incidents)
                + len(export.scheduled_maintenances)
            )
        # A page's past is not news: nobody is alerted of what is imported.
        with transaction.atomic(), lifecycle.historical():
            self.page = self._page()
            self._step("page")
            self._components()
            for item in export.incidents:
                self._guarded("incident", item, self._incident)
            for item in export.scheduled_maintenances:
                self._guarded("maintenance", item, self._maintenance)
            self._current_statuses()
        return self.report

    def _step(self, what: str, n: int = 1) -> None:
        if self.progress is not None:
            self.progress.advance(n, what)

    def _guarded(self, kind: str, item: SpIncident, function) -> None:
        try:
            function(item)
        except LifecycleError as exc:
            raise StatuspageError(f"{kind} {item.id} ({item.name!r}): {exc}") from None
        self._step(item.name)

    # -- page, groups, components --------------------------------------------

    def _page(self) -> Page:
        sp = self.export.page
        slug = self.slug or slugify(sp.name)[:100] or "status"
        fields = {"name": _text(sp.name, 200)}
        if sp.url:
            fields["url"] = sp.url
        if sp.time_zone and _is_zone(sp.time_zone):
            fields["time_zone"] = sp.time_zone
        page = Page.objects.filter(slug=slug).first()
        if page is None:
            self.report.add(self.report.created, "pages")
            return lifecycle.create_page(actor=self.actor, slug=slug, **fields)
        changed = {k: v for k, v in fields.items() if getattr(page, k) != v}
        if changed:
            self.report.add(self.report.updated, "pages")
            lifecycle.update_page(page, actor=self.actor, **changed)
        return page

    def _components(self) -> None:
        items = sorted(self.export.components, key=lambda c: (c.position, c.id))
        groups_sp = [c for c in items if c.group]
        groups: dict[str, ComponentGroup] = {}
        existing_groups = {g.name: g for g in self.page.groups.all()}
        for position, sp in enumerate(groups_sp):
            fields = {"description": _text(sp.description, 5000), "position": position}
            group = existing_groups.get(_text(sp.name, 200))
            if group is None:
                group = lifecycle.create_group(
                    self.page, actor=self.actor, name=_text(sp.name, 200), **fields
                )
                self.report.add(self.report.created, "groups")
            elif any(getattr(group, k) != v for k, v in fields.items()):
                lifecycle.update_group(group, actor=self.actor, **fields)
                self.report.add(self.report.updated, "groups")
            groups[sp.id] = group
            self._step(sp.name)
        existing = {(c.group_id, c.name): c for c in self.page.components.select_related("group")}
        positions: dict[str | None, int] = {}
        for sp in items:
            if sp.group:
                continue
            group = groups.get(sp.group_id) if sp.group_id else None
            position = positions.setdefault(sp.group_id, 0)
            positions[sp.group_id] = position + 1
            self.components[sp.id] = self._component(sp, group, position, existing)
            self._step(sp.name)

    def _component(self, sp: SpComponent, group, position, existing) -> Component:
        name = _text(sp.name, 200)
        fields = {
            "description": _text(sp.description, 5000),
            "position": position,
            "showcase": sp.showcase,
            "only_show_if_degraded": sp.only_show_if_degraded,
            "start_date": sp.start_date,
        }
        component = existing.get((group.pk if group else None, name))
        if component is None:
            self.report.add(self.report.created, "components")
            # Created operational: the incidents replayed below write its status history.
            return lifecycle.create_component(
                self.page, actor=self.actor, name=name, group=group, **fields
            )
        changed = {k: v for k, v in fields.items() if getattr(component, k) != v}
        if changed:
            self.report.add(self.report.updated, "components")
            lifecycle.update_component(component, actor=self.actor, **changed)
        return component

    def _current_statuses(self) -> None:
        """Components end in the status the export shows now (a quiet change otherwise)."""
        for sp in self.export.components:
            component = self.components.get(sp.id)
            if component is None or sp.status not in ComponentStatus.values:
                continue
            component.refresh_from_db(fields=["status"])
            if component.status != sp.status:
                lifecycle.set_component_status(
                    component, sp.status, actor=self.actor, at=sp.updated_at
                )

    def _statuses(self, update) -> dict[Component, str]:
        result = {}
        for affected in update.affected_components or []:
            component = self.components.get(affected.code)
            if component is not None and affected.new_status in ComponentStatus.values:
                result[component] = affected.new_status
        return result

    # -- incidents -----------------------------------------------------------

    def _incident(self, sp: SpIncident) -> None:
        updates = [u for u in sp.updates if self._incident_status(u.status) is not None]
        if not updates:
            self.report.warnings.append(f"incident {sp.id}: no updates; skipped")
            return
        incident = Incident.objects.filter(page=self.page, external_ref=_ref(sp)).first()
        impact = sp.impact if sp.impact in IncidentImpact.values else None
        if incident is None:
            first, *rest = updates
            statuses = self._statuses(first)
            # Components the incident names without a status change are still linked.
            for linked in sp.components or []:
                component = self.components.get(linked.id)
                if component is not None:
                    component.refresh_from_db(fields=["status"])
                    statuses.setdefault(component, component.status)
            incident = lifecycle.create_incident(
                self.page,
                actor=self.actor,
                name=_text(sp.name, 255),
                status=self._incident_status(first.status),
                body=_text(first.body),
                impact=impact,
                components=statuses,
                started_at=min(sp.started_at or sp.created_at, first.at),
                display_at=first.at,
                notify=False,
                external_ref=_ref(sp),
            )
            self.report.add(self.report.created, "incidents")
            self.report.add(self.report.created, "incident updates", len(updates))
        else:
            rest = self._new_updates(incident, updates)
        for update in rest:
            lifecycle.post_update(
                incident,
                actor=self.actor,
                status=self._incident_status(update.status),
                body=_text(update.body),
                components=self._statuses(update),
                display_at=update.at,
                notify=False,
                impact=impact,
            )
        self._postmortem(incident, sp)

    @staticmethod
    def _incident_status(status: str) -> str | None:
        status = _INCIDENT_STATUS.get(status, status)
        return status if status in IncidentStatus.values else None

    def _new_updates(self, incident: Incident, updates) -> list:
        existing = {(u.status, u.display_at): u for u in incident.updates.all()}
        latest = max(u.display_at for u in existing.values())
        new = []
        for update in updates:
            key = (self._incident_status(update.status), update.at)
            known = existing.get(key)
            if known is not None:
                body = _text(update.body)
                if body and known.body != body:
                    lifecycle.edit_update(known, actor=self.actor, body=body)
                    self.report.add(self.report.updated, "incident updates")
            elif update.at > latest:
                new.append(update)
                self.report.add(self.report.created, "incident updates")
            else:
                self.report.warnings.append(
                    f"incident {incident.external_ref}: an update of {update.at:%Y-%m-%d %H:%M} "
                    "is older than the last one imported; not inserted into the past"
                )
        return new

    def _postmortem(self, incident: Incident, sp: SpIncident) -> None:
        body = _text(sp.postmortem_body)
        if not body:
            return
        current = getattr(incident, "postmortem", None)
        at = sp.postmortem_published_at or sp.resolved_at or sp.updated_at or sp.created_at
        if current is None or current.body != body:
            lifecycle.save_postmortem(incident, actor=self.actor, body=body, at=at, notify=False)
            self.report.add(self.report.updated if current else self.report.created, "postmortems")
        published = current.published_at if current else None
        if sp.postmortem_published_at and published != sp.postmortem_published_at:
            lifecycle.publish_postmortem(
                incident, actor=self.actor, at=sp.postmortem_published_at, notify=False
            )

    # -- maintenances --------------------------------------------------------

    def _maintenance(self, sp: SpIncident) -> None:
        if sp.scheduled_for is None or sp.scheduled_until is None:
            self.report.warnings.append(f"maintenance {sp.id}: no window; skipped")
            return
        components = [self.components[c.id] for c in sp.components or [] if c.id in self.components]
        updates = sp.updates
        maintenance = Maintenance.objects.filter(page=self.page, external_ref=_ref(sp)).first()
        if maintenance is None:
            first = updates[0] if updates else None
            scheduled_first = first is not None and first.status == MaintenanceStatus.SCHEDULED
            # Finished or past windows are history: the scheduler must not move them.
            automatic = sp.status == MaintenanceStatus.SCHEDULED
            maintenance = lifecycle.schedule_maintenance(
                self.page,
                actor=self.actor,
                name=_text(sp.name, 255),
                scheduled_for=sp.scheduled_for,
                scheduled_until=sp.scheduled_until,
                body=_text(first.body) if scheduled_first else "",
                components=components,
                auto_start=automatic,
                auto_complete=automatic,
                notify=False,
                at=first.at if scheduled_first else sp.created_at,
                external_ref=_ref(sp),
            )
            self.report.add(self.report.created, "maintenances")
            updates = updates[1:] if scheduled_first else updates
            latest = None
        else:
            latest = max(u.display_at for u in maintenance.updates.all())
            if (maintenance.scheduled_for, maintenance.scheduled_until) != (
                sp.scheduled_for,
                sp.scheduled_until,
            ) and maintenance.status == MaintenanceStatus.SCHEDULED:
                lifecycle.update_maintenance(
                    maintenance,
                    actor=self.actor,
                    scheduled_for=sp.scheduled_for,
                    scheduled_until=sp.scheduled_until,
                )
                self.report.add(self.report.updated, "maintenances")
        for update in updates:
            if latest is not None and update.at <= latest:
                continue
            self._maintenance_update(maintenance, update)

    def _maintenance_update(self, maintenance: Maintenance, update) -> None:
        maintenance.refresh_from_db()
        status = update.status
        kwargs = {"actor": self.actor, "body": _text(update.body), "at": update.at, "notify": False}
        if (
            status == MaintenanceStatus.IN_PROGRESS
            and maintenance.status == MaintenanceStatus.SCHEDULED
        ):
            step = lifecycle.start_maintenance
        elif status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING):
            step = partial(lifecycle.post_maintenance_update, status=status)
        elif status == MaintenanceStatus.COMPLETED:
            step = lifecycle.complete_maintenance
        elif status == MaintenanceStatus.CANCELLED:
            step = lifecycle.cancel_maintenance
        else:
            step = None
        try:
            if step is None:
                raise LifecycleError({"status": f"{status!r} cannot follow here"})
            step(maintenance, **kwargs)
        except LifecycleError as exc:
            self.report.warnings.append(
                f"maintenance {maintenance.external_ref}: update of {update.at:%Y-%m-%d %H:%M} "
                f"({status}) skipped: {exc}"
            )
            return
        self.report.add(self.report.created, "maintenance updates")


def import_statuspage(location: str, *, slug: str | None = None, progress=None) -> Report:
    """Read the export at ``location`` (a directory or URL) and import it; one transaction."""
    export = read_export(location)
    return Importer(export, slug=slug, progress=progress).run()
