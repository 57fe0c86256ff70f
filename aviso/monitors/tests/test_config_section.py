"""Monitors in configuration files: apply, export round trip, secrets, dependencies."""

from __future__ import annotations

import pytest

from aviso.config.engine import apply_text, export_text
from aviso.config.errors import ConfigError
from aviso.monitors.models import Monitor
from aviso.status.models import AuditEntry

pytestmark = pytest.mark.django_db

FILE = """
version: 1
pages:
  - slug: acme
    name: Acme
    groups:
      - name: Platform
        components:
          - name: Database
          - name: Bots
monitors:
  - name: database
    kind: tcp
    config: {host: 127.0.0.1, port: 5432}
    page: acme
    component: Platform / Database
    interval_seconds: 30
  - name: bots
    kind: http
    config:
      url: http://127.0.0.1:8080/health
      auth: basic
      username: probe
      password: hunter2-secret
    page: acme
    component: Bots
    depends_on: database
"""


class TestMonitorsSection:
    def test_it_creates_monitors_on_components_with_their_dependency(self):
        plan = apply_text(FILE, "acme.yaml")
        assert plan.applied
        bots = Monitor.objects.select_related("component", "depends_on").get(name="bots")
        assert bots.component.name == "Bots" and bots.depends_on.name == "database"
        assert Monitor.objects.get(name="database").interval_seconds == 30
        assert "hunter2-secret" not in str(bots.config)  # sealed at rest
        assert AuditEntry.objects.filter(action="monitor.create").count() == 2

    def test_the_export_applies_back_as_no_change_and_shows_no_secret(self):
        apply_text(FILE, "acme.yaml")
        exported = export_text()
        assert "hunter2-secret" not in exported and "[sealed]" in exported
        assert "depends_on: database" in exported
        assert apply_text(exported, "export.yaml").is_empty
        assert apply_text(FILE, "again.yaml").is_empty  # the plain secret is the stored one

    def test_a_changed_dependency_and_interval_are_updated_and_prune_deletes(self):
        apply_text(FILE, "acme.yaml")
        changed = FILE.replace("    depends_on: database\n", "").replace(
            "interval_seconds: 30", "interval_seconds: 45"
        )
        apply_text(changed, "b.yaml")
        assert Monitor.objects.get(name="bots").depends_on_id is None
        assert Monitor.objects.get(name="database").interval_seconds == 45
        only_db = changed.split("  - name: bots")[0]
        apply_text(only_db, "c.yaml", prune=True)
        assert list(Monitor.objects.values_list("name", flat=True)) == ["database"]

    @pytest.mark.parametrize(
        ("edit", "where"),
        [
            (("depends_on: database", "depends_on: nobody"), "depends_on"),
            (("component: Bots", "component: Nowhere"), "component"),
            (("    page: acme\n    component: Bots\n", "    component: Bots\n"), "page"),
            (("interval_seconds: 30", "interval_seconds: 1"), "interval_seconds"),
            (("name: bots", "name: database"), "name"),
        ],
    )
    def test_bad_monitors_are_refused_field_by_field_and_nothing_is_kept(self, edit, where):
        with pytest.raises(ConfigError) as error:
            apply_text(FILE.replace(*edit, 1) if edit[0] != "name: bots" else FILE.replace(*edit),
                       "bad.yaml")  # fmt: skip
        assert where in str(error.value)
        assert not Monitor.objects.exists()

    def test_a_loop_in_the_file_is_refused(self):
        looped = FILE.replace(
            "    interval_seconds: 30\n", "    interval_seconds: 30\n    depends_on: bots\n"
        )
        with pytest.raises(ConfigError) as error:
            apply_text(looped, "loop.yaml")
        assert "loop" in str(error.value)
