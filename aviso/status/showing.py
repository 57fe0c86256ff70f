"""What a page shows: its own components and those placed on it, and the notices touching them.

A component belongs to one page (``Component.page``) and may be placed on
others (``ComponentPlacement``) under one of their groups. Each page shows its
components, the incidents and maintenances posted to it, and every incident or
maintenance that touches one of its components, wherever it was posted. These
are querysets (subqueries, not lists), so a caller adds its own filters and the
query count stays what it was with one page.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When

from aviso.status.models import (
    Component,
    ComponentPlacement,
    Incident,
    IncidentComponent,
    Maintenance,
    Page,
)


def _visible(page: Page, components: QuerySet) -> QuerySet:
    """Narrowed to what the reader may see (``page.visible_component_ids``, set for a
    private page's reader in an audience; see ``aviso.status.audiences``)."""
    visible = getattr(page, "visible_component_ids", None)
    return components if visible is None else components.filter(pk__in=visible)


def shown_component_ids(page: Page) -> QuerySet:
    """The ids of the components ``page`` shows (to this reader), as a subquery."""
    placed = ComponentPlacement.objects.filter(page=page).values("component_id")
    return _visible(page, Component.objects.filter(Q(page=page) | Q(pk__in=placed))).values("pk")


def shown_components(page: Page) -> QuerySet[Component]:
    """The components ``page`` shows, each with ``shown_group_id`` and ``shown_position``:
    its group and position on this page (its own for a home component, the placement's
    otherwise). Ordered by the position on this page."""
    placement = ComponentPlacement.objects.filter(page=page, component=OuterRef("pk"))
    placed = ComponentPlacement.objects.filter(page=page).values("component_id")
    return (
        _visible(page, Component.objects.filter(Q(page=page) | Q(pk__in=placed)))
        .annotate(
            shown_group_id=Case(
                When(page=page, then=F("group_id")),
                default=Subquery(placement.values("group_id")[:1]),
                output_field=BigIntegerField(),
            ),
            shown_position=Case(
                When(page=page, then=F("position")),
                default=Subquery(placement.values("position")[:1]),
                output_field=BigIntegerField(),
            ),
        )
        .order_by("shown_position", "id")
    )


def page_incidents(page: Page) -> QuerySet[Incident]:
    """Incidents posted to ``page`` or touching a component it shows."""
    touching = IncidentComponent.objects.filter(component_id__in=shown_component_ids(page)).values(
        "incident_id"
    )
    if getattr(page, "visible_component_ids", None) is not None:
        # A reader in an audience: posted to the page, only those touching no component.
        bare = ~Exists(IncidentComponent.objects.filter(incident=OuterRef("pk")))
        return Incident.objects.filter(Q(pk__in=touching) | (Q(page=page) & bare))
    return Incident.objects.filter(Q(page=page) | Q(pk__in=touching))


def page_maintenances(page: Page) -> QuerySet[Maintenance]:
    """Maintenances posted to ``page`` or touching a component it shows."""
    through = Maintenance.components.through
    touching = through.objects.filter(component_id__in=shown_component_ids(page)).values(
        "maintenance_id"
    )
    if getattr(page, "visible_component_ids", None) is not None:
        bare = ~Exists(through.objects.filter(maintenance=OuterRef("pk")))
        return Maintenance.objects.filter(Q(pk__in=touching) | (Q(page=page) & bare))
    return Maintenance.objects.filter(Q(page=page) | Q(pk__in=touching))


def pages_showing(component_ids: list[int]) -> QuerySet[Page]:
    """The pages that show any of ``component_ids`` (home pages and placements)."""
    placed = ComponentPlacement.objects.filter(component_id__in=component_ids).values("page_id")
    homes = Component.objects.filter(pk__in=component_ids).values("page_id")
    return Page.objects.filter(Q(pk__in=placed) | Q(pk__in=homes))
