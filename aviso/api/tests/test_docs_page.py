"""The API docs page (Swagger UI) is served from Aviso itself."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


class TestDocsPage:
    def test_the_api_docs_page_needs_no_cdn(self, client):
        page = client.get("/api/v1/docs")
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html
        assert "cdn.jsdelivr" not in html and "unpkg" not in html
