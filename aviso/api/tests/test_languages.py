"""Update text per language through the v1 API; the v2 JSON in the reader's language."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from aviso.api.models import ApiToken
from aviso.api.tests.test_management_api import Api, _problem, _state
from aviso.testing import make_component, make_page, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    page = make_page(name="Acme", slug="acme", languages=["en", "es"])
    make_component(page, "API")
    return page


@pytest.fixture
def api():
    return Api(ApiToken.issue(make_person("ops", "responder"), name="bot", scope="write")[1])


class TestBodiesMap:
    def test_it_takes_a_text_per_language_and_keeps_plain_body_working(self, page, api):
        base = f"/pages/{page.code}/incidents"
        created = api.post(
            base, {"name": "Slow", "body": "Looking.", "bodies": {"es": "Investigando."}}
        )
        assert created.status_code == 201, created.content
        incident = created.json()
        assert incident["updates"][0]["bodies"] == {"es": "Investigando."}
        plain = api.post(f"{base}/{incident['code']}/updates", {"status": "identified"})
        assert plain.status_code == 201 and plain.json()["bodies"] == {}
        edited = api.patch(
            f"{base}/{incident['code']}/updates/{plain.json()['code']}",
            {"body": "Found.", "bodies": {"es": "Encontrado."}},
        )
        assert edited.json()["bodies"] == {"es": "Encontrado."}

    def test_it_refuses_a_language_the_page_lacks_with_the_key_and_stores_nothing(self, page, api):
        before = _state()
        response = api.post(
            f"/pages/{page.code}/incidents", {"name": "Slow", "bodies": {"fr": "Lent."}}
        )
        body = _problem(response, 422)
        assert "bodies.fr" in body["errors"]
        assert _state() == before

    def test_maintenance_text_takes_a_map_too(self, page, api):
        response = api.post(
            f"/pages/{page.code}/maintenances",
            {
                "name": "Upgrade",
                "scheduled_for": "2030-01-15T22:00:00-05:00",
                "scheduled_until": "2030-01-15T23:00:00-05:00",
                "body": "We upgrade.",
                "bodies": {"es": "Actualizamos."},
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["updates"][0]["bodies"] == {"es": "Actualizamos."}


class TestV2InTheReadersLanguage:
    def test_summary_json_speaks_spanish_under_its_prefix_and_statuspage_english_at_en(
        self, page, api
    ):
        api.post(
            f"/pages/{page.code}/incidents",
            {
                "name": "Slow",
                "body": "Looking.",
                "bodies": {"es": "Investigando."},
                "components": {page.components.get().code: "major_outage"},
            },
        )
        english = json.loads(Client().get("/en/api/v2/summary.json").content)
        spanish_response = Client().get("/es/api/v2/summary.json")
        spanish = json.loads(spanish_response.content)
        assert spanish_response["Content-Language"] == "es"
        assert english["status"]["description"] == "Major System Outage"  # Statuspage's words
        assert english["incidents"][0]["incident_updates"][0]["body"] == "Looking."
        assert spanish["incidents"][0]["incident_updates"][0]["body"] == "Investigando."
        assert spanish["status"]["indicator"] == english["status"]["indicator"] == "critical"


class TestBadgesInTheReadersLanguage:
    def test_the_badge_speaks_the_language_of_its_address(self, page):
        from django.utils import translation

        with translation.override("es"):
            expected = translation.gettext("All systems operational").lower()
        assert expected != "all systems operational"
        spanish = Client().get("/es/badge.svg")
        assert spanish["Content-Language"] == "es"
        assert expected in spanish.content.decode()
        assert "all systems operational" in Client().get("/en/badge.svg").content.decode()
