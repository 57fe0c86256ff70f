from __future__ import annotations

import pytest

from aviso.lib.tests.html_safety import dangerous_markup
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


class TestPublicPages:
    def test_no_page_yet_is_a_helpful_404(self, client):
        response = client.get("/")
        assert response.status_code == 404
        assert b"aviso demo" in response.content

    def test_an_active_incident_shows_above_the_components_with_its_latest_update(self, client):
        page = make_page()
        api = make_component(page, "API", group="Core")
        lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="API errors",
            body="Looking into it",
            components={api: "partial_outage"},
        )
        html = client.get("/").content.decode()
        assert "Partial system outage" in html
        assert html.index("API errors") < html.index("component-list")
        assert "Looking into it" in html
        assert "Partial outage" in html  # the status in words, not colour alone

    def test_a_script_in_an_update_body_never_reaches_the_page(self, client):
        page = make_page()
        incident = lifecycle.create_incident(
            page, actor=SYSTEM, name="x", body='<script>alert(1)</script><img src=x onerror="y">'
        )
        for url in ("/", "/history", f"/incidents/{incident.code}"):
            assert dangerous_markup(client.get(url).content.decode()) == []

    def test_unknown_incident_is_404(self, client):
        make_page()
        assert client.get("/incidents/nope").status_code == 404

    def test_pages_need_no_javascript(self, client):
        page = make_page()
        make_component(page, "API")
        for url in ("/", "/history"):
            assert b"<script" not in client.get(url).content

    def test_spanish_is_served_when_asked(self, client):
        make_page(languages=["en", "es"])
        html = client.get("/history", HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert 'lang="es"' in html
        assert "Historial de avisos" in html
