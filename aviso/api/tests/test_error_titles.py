"""A problem's title is in the reader's language; its shape and status stay."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept_language", "title"),
    [
        ("es-EC,es;q=0.9", "No autorizado"),
        ("pt-BR", "Não autorizado"),
        ("fr-FR", "Non autorisé"),
        ("de", "Nicht autorisiert"),
        ("it", "Non autorizzato"),
        ("en-US", "Unauthorized"),
        ("ja", "Unauthorized"),
    ],
)
def test_the_title_of_a_refusal_is_in_the_asked_language(accept_language, title):
    response = Client().get("/api/v1/pages", headers={"accept-language": accept_language})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == title
    assert body["status"] == 401
