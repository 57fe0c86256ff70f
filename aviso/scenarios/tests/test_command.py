"""``aviso scenario``'s refusals and a step that never comes."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from aviso.scenarios.harness import Harness, ScenarioFailed, Timeline


class TestScenarioCommand:
    def test_it_refuses_an_unknown_scenario_by_name(self):
        with pytest.raises(CommandError, match="invalid choice: 'june'"):
            call_command("scenario", "june")

    def test_it_says_what_db_saturation_needs_when_postgresql_is_unreachable(self, monkeypatch):
        monkeypatch.setenv("AVISO_SCENARIO_SANDBOX", "1")  # no child process, no migrate
        monkeypatch.setattr("aviso.scenarios.pg.ADMIN_DSN", "host=127.0.0.1 port=1 user=x")
        with pytest.raises(CommandError, match="needs a PostgreSQL superuser"):
            call_command("scenario", "db-saturation")


@pytest.mark.django_db
class TestHarness:
    def test_it_fails_a_step_that_does_not_come_in_time(self):
        harness = Harness()
        try:
            with pytest.raises(ScenarioFailed, match="incident opened: not within 0 s"):
                harness.wait_for("incident opened", lambda: None, timeout=0.2)
        finally:
            harness.stop()


class TestTimeline:
    def test_it_renders_offsets_and_durations(self):
        timeline = Timeline()
        timeline.mark("cut")
        timeline.mark("opened", "Workflows & Integrations: partial outage")
        text = timeline.render(
            "dependency-cut", {"time to detect": timeline.seconds("cut", "opened")}
        )
        assert text.splitlines()[0] == "dependency-cut"
        assert "s  opened  (Workflows & Integrations: partial outage)" in text
        assert "time to detect" in text
