"""Load the seed's page through the lifecycle, as an operator would have built it."""

from __future__ import annotations

from django.db import transaction

from aviso.demo import seed
from aviso.status import lifecycle
from aviso.status.models import Page

DEMO = lifecycle.Actor.system("demo loader")


@transaction.atomic
def load_demo() -> Page:
    page = lifecycle.create_page(actor=DEMO, **seed.PAGE)
    components = {}
    for position, (group_name, members) in enumerate(seed.COMPONENTS):
        group = lifecycle.create_group(page, actor=DEMO, name=group_name, position=position)
        for index, (name, description) in enumerate(members):
            components[name] = lifecycle.create_component(
                page,
                actor=DEMO,
                name=name,
                description=description,
                group=group,
                position=index,
                start_date=seed.START_DATE,
            )
    for spec in seed.INCIDENTS:
        (first_status, first_body, first_at), *rest = spec["updates"]
        incident = lifecycle.create_incident(
            page,
            actor=DEMO,
            name=spec["name"],
            status=first_status,
            body=first_body,
            bodies={"es": spec["first_update_es"]},
            components={components[n]: s for n, s in spec["components"].items()},
            started_at=first_at,
            notify=False,
        )
        for status, body, at in rest:
            lifecycle.post_update(
                incident, actor=DEMO, status=status, body=body, display_at=at, notify=False
            )
        lifecycle.save_postmortem(
            incident, actor=DEMO, body=spec["postmortem"], at=spec["postmortem_at"], notify=False
        )
        lifecycle.publish_postmortem(incident, actor=DEMO, at=spec["postmortem_at"], notify=False)
    load_internal_page(components)
    return page


def load_internal_page(public_components: dict) -> Page:
    """The private "Jelou internal" page: staff-only components and public ones shared."""
    page = lifecycle.create_page(actor=DEMO, **seed.INTERNAL_PAGE)
    groups = {}
    for position, (group_name, members) in enumerate(seed.INTERNAL_COMPONENTS):
        groups[group_name] = lifecycle.create_group(
            page, actor=DEMO, name=group_name, position=position
        )
        for index, (name, description) in enumerate(members):
            lifecycle.create_component(
                page,
                actor=DEMO,
                name=name,
                description=description,
                group=groups[group_name],
                position=index,
                start_date=seed.START_DATE,
            )
    for index, (group_name, name) in enumerate(seed.INTERNAL_SHARED):
        if group_name not in groups:
            groups[group_name] = lifecycle.create_group(
                page, actor=DEMO, name=group_name, position=len(groups)
            )
        lifecycle.place_component(
            public_components[name], page, actor=DEMO, group=groups[group_name], position=index
        )
    return page
