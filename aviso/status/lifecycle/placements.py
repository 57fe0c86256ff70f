"""Placing a component on other pages: one component, one status, shown on several pages."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aviso.status.choices import EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.models import Component, ComponentGroup, ComponentPlacement, Page


def _group_on(page: Page, group: ComponentGroup | str | None) -> ComponentGroup | None:
    if group is None or group == "":
        return None
    if isinstance(group, str):
        found = page.groups.filter(code=group).first() or page.groups.filter(name=group).first()
        if found is None:
            raise LifecycleError({"group": _("Unknown group: %(g)s") % {"g": group}})
        return found
    if group.page_id != page.pk:
        raise LifecycleError({"group": _("That group belongs to another page.")})
    return group


@transaction.atomic
def place_component(
    component: Component,
    page: Page,
    *,
    actor: Actor,
    group: ComponentGroup | str | None = None,
    position: int = 0,
) -> ComponentPlacement:
    """Show ``component`` on ``page`` under ``group`` (one of that page's), or move it there."""
    if component.page_id == page.pk:
        raise LifecycleError({"component": _("This component belongs to this page already.")})
    if not 0 <= int(position) <= 100_000:
        raise LifecycleError({"position": _("Give a position between 0 and 100000.")})
    placement = (
        ComponentPlacement.objects.select_for_update()
        .filter(component=component, page=page)
        .first()
    )
    before = snapshot(placement)
    if placement is None:
        placement = ComponentPlacement(component=component, page=page)
    placement.group = _group_on(page, group)
    placement.position = int(position)
    placement.save()
    record(
        actor,
        "component.place" if before is None else "component.placement_update",
        placement,
        page=page,
        before=before,
        after=snapshot(placement),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return placement


@transaction.atomic
def unplace_component(placement: ComponentPlacement, *, actor: Actor) -> None:
    """Stop showing a placed component on that page (the component itself stays)."""
    record(
        actor,
        "component.unplace",
        placement,
        page=placement.page,
        before=snapshot(placement),
        after=None,
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    placement.delete()
