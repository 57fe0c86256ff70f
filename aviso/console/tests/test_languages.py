"""The console in each operator's language, and a text field per page language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from aviso.console.models import OperatorPreference
from aviso.status.models import AuditEntry

pytestmark = pytest.mark.django_db


def _spanish(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


class TestOperatorLanguage:
    def test_an_operator_chooses_the_consoles_language_and_it_sticks(self, scene):
        client = scene.client("viewer")
        english = client.get(reverse("console:account"), HTTP_ACCEPT_LANGUAGE="en")
        assert english["Content-Language"] == "en"
        response = client.post(reverse("console:language"), {"language": "es"})
        assert response.status_code == 302
        again = client.get(reverse("console:account"), HTTP_ACCEPT_LANGUAGE="en")
        assert again["Content-Language"] == "es"
        assert _spanish("Your account") in again.content.decode()
        entry = AuditEntry.objects.get(action="user.language")
        assert entry.after == {"language": "es"}
        # Blank hands the choice back to the browser.
        client.post(reverse("console:language"), {"language": ""})
        back = client.get(reverse("console:account"), HTTP_ACCEPT_LANGUAGE="en")
        assert back["Content-Language"] == "en"

    def test_another_operators_choice_is_theirs_alone(self, scene):
        scene.client("viewer").post(reverse("console:language"), {"language": "es"})
        other = scene.client("responder").get(reverse("console:account"), HTTP_ACCEPT_LANGUAGE="en")
        assert other["Content-Language"] == "en"

    def test_a_language_that_is_not_shipped_is_refused_and_nothing_changes(self, scene):
        client = scene.client("viewer")
        response = client.post(reverse("console:language"), {"language": "klingon"})
        assert response.status_code == 400
        assert not OperatorPreference.objects.exists()


class TestTextPerPageLanguage:
    def test_declaring_offers_a_field_per_other_page_language_and_stores_it(self, scene):
        scene.page.languages = ["en", "es"]
        scene.page.save()
        client = scene.client("responder")
        form = client.get(reverse("console:declare")).content.decode()
        assert 'name="body_es"' in form
        assert 'name="body_pt_br"' not in form
        response = client.post(
            reverse("console:declare"),
            {
                "title": "Slow",
                "status": "investigating",
                "body": "Looking.",
                "body_es": "Mirando.",
                "notify": "",
            },
        )
        assert response.status_code == 302
        update = scene.page.incidents.get().updates.get()
        assert update.body == "Looking."
        assert update.bodies == {"es": "Mirando."}
