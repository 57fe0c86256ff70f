from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from aviso.config.engine import apply_text, export_text, json_schema_text, load_text, render_plan
from aviso.config.errors import ConfigError
from aviso.status import lifecycle
from aviso.status.models import AuditEntry, Component, ComponentGroup, Incident, Page
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
DEMO_YAML = ROOT / "examples" / "demo.yaml"

SMALL = """
version: 1
pages:
  - slug: acme
    name: Acme
    time_zone: Europe/Madrid
    groups:
      - name: Core
        components:
          - name: API
          - name: Database
    components:
      - name: Website
"""


def normalized(text: str) -> dict:
    config, _ = load_text(text, "x.yaml", env={})
    return config.model_dump(mode="json")


class TestDemoYaml:
    def test_it_applies_to_an_empty_database_and_exports_an_equivalent_file(self):
        text = DEMO_YAML.read_text()
        plan = apply_text(text, str(DEMO_YAML))
        assert plan.applied and plan.count("create") == 11
        assert Component.objects.count() == 8
        exported = export_text()
        assert normalized(exported) == normalized(text)
        assert apply_text(exported, "export.yaml").is_empty

    def test_it_matches_the_demo_loader(self):
        from aviso.demo.loader import load_demo

        load_demo()
        plan = apply_text(DEMO_YAML.read_text(), "demo.yaml", dry_run=True)
        assert plan.is_empty, render_plan(plan)


class TestApply:
    def test_it_is_idempotent(self):
        apply_text(SMALL, "small.yaml")
        audits = AuditEntry.objects.count()
        plan = apply_text(SMALL, "small.yaml")
        assert plan.is_empty
        assert AuditEntry.objects.count() == audits

    def test_it_records_changes_through_the_lifecycle_as_config_apply(self):
        apply_text(SMALL, "small.yaml")
        labels = set(AuditEntry.objects.values_list("actor_label", flat=True))
        assert labels == {"automation: config apply"}

    def test_it_changes_nothing_on_a_dry_run(self):
        plan = apply_text(SMALL, "small.yaml", dry_run=True)
        assert plan.count("create") == 5 and not plan.applied
        assert not Page.objects.exists() and not AuditEntry.objects.exists()

    def test_it_updates_fields_and_moves_components_between_groups(self):
        apply_text(SMALL, "small.yaml")
        website = Component.objects.get(name="Website")
        moved = SMALL.replace(
            "          - name: Database\n",
            "          - name: Database\n"
            "          - name: Website\n            description: Public site\n",
        )
        moved = moved.replace("    components:\n      - name: Website\n", "")
        plan = apply_text(moved, "small.yaml")
        assert [(c.action, c.kind) for c in plan.changes] == [("update", "component")]
        assert plan.changes[0].diff["group"] == (None, "Core")
        website.refresh_from_db()
        assert website.group.name == "Core" and website.description == "Public site"
        assert website.position == 2

    def test_it_leaves_extra_objects_alone_without_prune(self):
        apply_text(SMALL, "small.yaml")
        page = Page.objects.get(slug="acme")
        lifecycle.create_component(page, actor=SYSTEM, name="Extra")
        assert apply_text(SMALL, "small.yaml").is_empty
        assert Component.objects.filter(name="Extra").exists()

    def test_it_prunes_objects_without_history_and_keeps_history(self):
        apply_text(SMALL, "small.yaml")
        page = Page.objects.get(slug="acme")
        lifecycle.create_component(page, actor=SYSTEM, name="Unused")
        database = Component.objects.get(name="Database")
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="Slow", components={database: "degraded_performance"}
        )
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        smaller = SMALL.replace("          - name: Database\n", "")
        plan = apply_text(smaller, "small.yaml", prune=True)
        actions = {(c.action, c.label) for c in plan.changes}
        assert ("delete", "acme / Unused") in actions
        assert ("keep", "acme / Core / Database") in actions
        assert not Component.objects.filter(name="Unused").exists()
        assert Component.objects.filter(name="Database").exists()
        assert Incident.objects.filter(pk=incident.pk).exists()
        assert "kept: it has history" in render_plan(plan)

    def test_it_prunes_a_group_the_file_drops(self):
        apply_text(SMALL, "small.yaml")
        flat = SMALL.replace(
            "    groups:\n      - name: Core\n        components:\n"
            "          - name: API\n          - name: Database\n",
            "",
        )
        apply_text(flat, "flat.yaml", prune=True)
        assert not ComponentGroup.objects.exists()
        assert list(Component.objects.values_list("name", flat=True)) == ["Website"]

    def test_it_substitutes_environment_variables(self):
        text = SMALL.replace(
            "name: Acme", "name: ${SITE_NAME}\n    url: ${SITE_URL:-https://a.test}"
        )
        apply_text(text, "env.yaml", env={"SITE_NAME": "Acme Prod"})
        page = Page.objects.get(slug="acme")
        assert (page.name, page.url) == ("Acme Prod", "https://a.test")

    def test_it_writes_a_literal_dollar_brace_back_escaped(self):
        apply_text(
            SMALL.replace("name: API", "name: API\n            description: costs $${X}"), "a"
        )
        assert Component.objects.get(name="API").description == "costs ${X}"
        assert apply_text(export_text(), "export.yaml").is_empty


class TestSchema:
    def test_it_is_written_to_docs_up_to_date(self):
        assert (ROOT / "docs" / "config.schema.json").read_text() == json_schema_text()

    def test_it_is_served_for_editors(self, client):
        response = client.get("/api/v1/config.schema.json")
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert schema["title"] == "Aviso configuration"
        assert "pages" in schema["properties"]
        assert schema["additionalProperties"] is False


class TestCommands:
    def test_it_prints_the_plan_and_applies(self, tmp_path):
        path = tmp_path / "a.yaml"
        path.write_text(SMALL)
        out = StringIO()
        call_command("apply", str(path), "--dry-run", stdout=out, stderr=StringIO())
        assert "+ create page 'acme'" in out.getvalue()
        assert "Plan: 5 to create, 0 to update, 0 to delete." in out.getvalue()
        assert not Page.objects.exists()
        call_command("apply", str(path), stdout=StringIO(), stderr=StringIO())
        out = StringIO()
        call_command("export", stdout=out)
        assert normalized(out.getvalue()) == normalized(SMALL)

    def test_it_refuses_a_bad_file_with_its_line(self, tmp_path):
        path = tmp_path / "bad.yaml"
        path.write_text(SMALL.replace("time_zone: Europe/Madrid", "time_zone: Mars/Olympus"))
        with pytest.raises(CommandError) as caught:
            call_command("apply", str(path), stdout=StringIO(), stderr=StringIO())
        assert f"{path}:6: pages[0].time_zone:" in str(caught.value)
        assert "nothing applied" in str(caught.value)


def test_config_error_is_an_exception_with_problems():
    with pytest.raises(ConfigError) as caught:
        load_text("version: 2\n", "v.yaml", env={})
    assert caught.value.problems[0].line == 1
