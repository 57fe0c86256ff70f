"""The console's shared test base: a page with components, and the four personas.

``scene`` (a fixture in conftest.py) builds it; ``scene.client("viewer")`` is a
test client signed in as that persona, ``scene.client("anonymous")`` one that
is not. Other apps' tests can import ``Scene`` too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from aviso.status.models import Component, Page
from aviso.testing import make_component, make_page, make_person

PASSWORD = "pw-Secret-123"
PERSONAS = ("admin", "responder", "viewer", "anonymous")


@dataclass
class Scene:
    page: Page
    api: Component
    web: Component
    db: Component
    people: dict = field(default_factory=dict)

    @classmethod
    def build(cls) -> Scene:
        page = make_page("Acme", time_zone="America/Guayaquil")
        scene = cls(
            page=page,
            api=make_component(page, "API", group="Platform"),
            web=make_component(page, "Web", group="Platform"),
            db=make_component(page, "Database"),
        )
        for role in ("admin", "responder", "viewer"):
            scene.people[role] = make_person(role, role, password=PASSWORD)
        return scene

    def user(self, persona: str):
        return self.people.get(persona)

    def client(self, persona: str, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if persona != "anonymous":
            client.force_login(self.people[persona])
        return client
