"""The extension point: a section registered by another app plugs into apply, plan and schema."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from aviso.config import sections as registry
from aviso.config.engine import apply_text, export_text, json_schema, render_plan
from aviso.config.errors import ConfigError, SpecProblem
from aviso.config.sections import Change, Context, Section
from aviso.status.models import Component

pytestmark = pytest.mark.django_db


class ProbeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    component: str
    interval: int = 60


# A stand-in for the monitors app's table, kept in memory for the test.
STORE: dict[str, dict] = {}


def plan(specs: list[ProbeSpec], context: Context) -> list[Change]:
    changes = []
    for index, spec in enumerate(specs):
        # Components the pages section created earlier in this same apply are visible.
        if not Component.objects.filter(name=spec.component).exists():
            raise SpecProblem(("probes", index, "component"), f"no component {spec.component!r}")
        wanted = spec.model_dump()
        current = STORE.get(spec.name)
        if current == wanted:
            continue
        action = "create" if current is None else "update"
        diff = {k: (current.get(k) if current else None, v) for k, v in wanted.items()}

        def run(name=spec.name, wanted=wanted):
            STORE[name] = wanted

        changes.append(Change(action, "probe", spec.name, ("probes", index), diff, run))
    return changes


def export() -> list[ProbeSpec]:
    return [ProbeSpec(**v) for v in STORE.values()]


@pytest.fixture
def probes(monkeypatch):
    STORE.clear()
    section = Section(key="probes", schema=list[ProbeSpec], plan=plan, export=export, order=200)
    registry.sections()  # the built-in sections first
    monkeypatch.setitem(registry._SECTIONS, "probes", section)
    yield STORE
    STORE.clear()


FILE = """version: 1
pages:
  - slug: acme
    name: Acme
    components:
      - name: API
probes:
  - name: api-health
    component: API
    interval: 30
"""


class TestSections:
    def test_it_runs_a_registered_section_after_the_pages(self, probes):
        plan = apply_text(FILE, "f.yaml")
        assert [c.kind for c in plan.changes] == ["page", "component", "probe"]
        assert probes["api-health"]["interval"] == 30
        assert "+ create probe 'api-health'" in render_plan(plan)
        assert apply_text(FILE, "f.yaml").is_empty
        assert apply_text(export_text(), "export.yaml").is_empty

    def test_it_adds_the_section_to_the_schema(self, probes):
        schema = json_schema()
        assert "probes" in schema["properties"]
        assert "ProbeSpec" in schema["$defs"]

    def test_it_reports_a_sections_problem_at_its_line(self, probes):
        with pytest.raises(ConfigError) as caught:
            apply_text(FILE.replace("component: API", "component: Web"), "f.yaml")
        (problem,) = caught.value.problems
        assert (problem.line, problem.key) == (9, "probes[0].component")
        assert not Component.objects.exists(), "the pages section's work was rolled back"

    def test_it_refuses_a_second_section_with_one_key(self):
        other = Section(key="pages", schema=list, plan=plan, export=export)
        with pytest.raises(ValueError, match="already registered"):
            registry.register_section(other)
