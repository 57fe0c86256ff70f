"""Which components a private page's reader may see, by the audiences their address is in."""

from __future__ import annotations

from aviso.status.models import Audience, Component, ComponentPlacement, Page


class AudienceMap:
    """A page's audiences, read once (three queries), asked for many addresses."""

    def __init__(self, page: Page) -> None:
        self.audiences = list(Audience.objects.filter(page=page).prefetch_related("components"))
        self.unassigned: set[int] = set()
        if self.audiences:
            assigned = {c.pk for a in self.audiences for c in a.components.all()}
            placed = ComponentPlacement.objects.filter(page=page).values_list(
                "component_id", flat=True
            )
            home = Component.objects.filter(page=page).values_list("pk", flat=True)
            self.unassigned = (set(home) | set(placed)) - assigned

    def visible(self, email: str, claims: dict | None = None) -> set[int] | None:
        """None for all (no audiences); the components of the address's audiences; or, in
        none, the components no audience has."""
        if not self.audiences:
            return None
        mine = [a for a in self.audiences if a.includes(email.lower(), claims)]
        if mine:
            return {c.pk for a in mine for c in a.components.all()}
        return set(self.unassigned)


def visible_component_ids(page: Page, email: str, claims: dict | None = None) -> set[int] | None:
    return AudienceMap(page).visible(email, claims)


def audience_component_ids(audience_id: int) -> set[int]:
    """What one audience sees (a viewer token naming it sees that)."""
    return set(
        Audience.components.through.objects.filter(audience_id=audience_id).values_list(
            "component_id", flat=True
        )
    )
