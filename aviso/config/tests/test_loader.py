"""Bad files: each refused with file, line and key, and nothing applied."""

from __future__ import annotations

import pytest

from aviso.config.engine import apply_text
from aviso.config.errors import ConfigError
from aviso.status.models import AuditEntry, Component, Page

pytestmark = pytest.mark.django_db

GOOD = """version: 1
pages:
  - slug: acme
    name: Acme
    url: https://status.acme.test
    groups:
      - name: Core
        components:
          - name: API
            start_date: 2024-01-01
          - name: Database
"""


def refused(text: str, env: dict | None = None):
    with pytest.raises(ConfigError) as caught:
        apply_text(text, "bad.yaml", env=env or {})
    assert not Page.objects.exists(), "nothing may be applied"
    assert not Component.objects.exists()
    assert not AuditEntry.objects.exists()
    return caught.value.problems


class TestBadFiles:
    def test_it_applies_the_good_file(self):
        apply_text(GOOD, "good.yaml", env={})
        assert Component.objects.count() == 2

    def test_it_refuses_a_yaml_syntax_error(self):
        text = GOOD.replace("          - name: Database", "          - name: [Database")
        (problem,) = refused(text)
        assert problem.file == "bad.yaml" and problem.line == 12
        assert problem.key == "(yaml)" and "YAML syntax error" in problem.message

    def test_it_refuses_an_unknown_key(self):
        (problem,) = refused(
            GOOD.replace(
                "            start_date:", "            colour: red\n            start_date:"
            )
        )
        assert (problem.line, problem.key) == (10, "pages[0].groups[0].components[0].colour")
        assert problem.message == "unknown key"
        assert str(problem).startswith("bad.yaml:10: pages[0].groups[0].components[0].colour:")

    def test_it_refuses_a_wrong_type(self):
        (problem,) = refused(GOOD.replace("start_date: 2024-01-01", "start_date: yesterday"))
        assert (problem.line, problem.key) == (10, "pages[0].groups[0].components[0].start_date")
        assert "date" in problem.message

    def test_it_refuses_a_list_where_a_boolean_belongs(self):
        text = GOOD.replace("2024-01-01", "2024-01-01\n            showcase: [yes]")
        (problem,) = refused(text)
        assert (problem.line, problem.key) == (11, "pages[0].groups[0].components[0].showcase")
        assert "boolean" in problem.message

    def test_it_refuses_a_bad_url(self):
        (problem,) = refused(GOOD.replace("https://status.acme.test", "htp:/nowhere"))
        assert (problem.line, problem.key) == (5, "pages[0].url")
        assert "not a valid http(s) URL" in problem.message

    def test_it_refuses_a_missing_environment_variable(self):
        (problem,) = refused(GOOD.replace("name: Database", "name: ${DB_NAME}"))
        assert (problem.line, problem.key) == (11, "pages[0].groups[0].components[1].name")
        assert "DB_NAME is not set" in problem.message

    def test_it_accepts_the_variable_when_set(self):
        apply_text(GOOD.replace("name: Database", "name: ${DB_NAME}"), "x", env={"DB_NAME": "PG"})
        assert Component.objects.filter(name="PG").exists()

    def test_it_refuses_a_duplicate_key(self):
        (problem,) = refused(GOOD.replace("    name: Acme\n", "    name: Acme\n    name: Other\n"))
        assert (problem.line, problem.key) == (5, "pages[0].name")

    def test_it_refuses_two_components_with_one_name(self):
        (problem,) = refused(GOOD.replace("name: Database", "name: API"))
        assert (problem.line, problem.key) == (11, "pages[0].groups[0].components[1].name")

    def test_it_rolls_back_when_the_lifecycle_refuses_a_late_change(self):
        # Control characters pass the schema but not the lifecycle: the page and
        # the first component were already created when this one is refused.
        text = GOOD + '          - name: Cache\n            description: "bell \\x07"\n'
        (problem,) = refused(text)
        assert (problem.line, problem.key) == (13, "pages[0].groups[0].components[2].description")
        assert "control characters" in problem.message

    def test_it_reports_every_schema_problem_at_once(self):
        text = GOOD.replace("start_date: 2024-01-01", "start_date: nope").replace(
            "https://status.acme.test", "bad"
        )
        problems = refused(text)
        assert {p.key for p in problems} == {
            "pages[0].url",
            "pages[0].groups[0].components[0].start_date",
        }

    def test_it_refuses_a_file_that_is_not_a_mapping(self):
        (problem,) = refused("- just\n- a list\n")
        assert problem.line == 1
