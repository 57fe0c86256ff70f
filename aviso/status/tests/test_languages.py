"""Public pages per language: prefixes, negotiation, the switcher, hreflang and update texts."""

from __future__ import annotations

import pytest
from django.utils import translation

from aviso.status import lifecycle
from aviso.status.models import AuditEntry
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(settings):
    settings.BASE_URL = "https://status.example.com"
    page = make_page(languages=["en", "es", "pt-br"])
    make_component(page, "API")
    return page


def _incident(page, **kwargs):
    return lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="API errors",
        body="We are looking into it.",
        bodies=kwargs.pop("bodies", {"es": "Lo estamos investigando."}),
        **kwargs,
    )


class TestAddresses:
    def test_a_prefix_is_that_languages_permanent_address(self, client, page):
        response = client.get("/es/history", HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert response.status_code == 200
        assert 'lang="es"' in html
        assert response["Content-Language"] == "es"
        # A permanent address does not depend on the reader's headers.
        assert "Accept-Language" not in response.get("Vary", "")

    def test_the_bare_path_is_negotiated_and_says_so(self, client, page):
        response = client.get("/history", HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")
        assert response["Content-Language"] == "pt-BR"
        assert 'lang="pt-BR"' in response.content.decode()
        vary = response["Vary"]
        assert "Accept-Language" in vary and "Cookie" in vary
        english = client.get("/history", HTTP_ACCEPT_LANGUAGE="en-US")
        assert english["Content-Language"] == "en"

    def test_a_language_the_page_does_not_offer_is_not_found(self, client, page):
        assert client.get("/fr/history").status_code == 404
        # Negotiation never picks it either: the page's first language answers.
        response = client.get("/history", HTTP_ACCEPT_LANGUAGE="fr")
        assert response["Content-Language"] == "en"

    def test_a_prefix_without_its_slash_gets_one(self, client, page):
        response = client.get("/es")
        assert response.status_code == 301
        assert response["Location"] == "es/"

    def test_the_console_and_the_management_api_have_no_language_prefix(self, client, page):
        assert client.get("/es/console/").status_code == 404
        assert client.get("/es/api/v1/pages").status_code == 404

    def test_links_stay_in_the_language(self, client, page):
        incident = _incident(page)
        html = client.get("/es/").content.decode()
        # Relative links: from /es/ they resolve under /es/.
        assert f'href="incidents/{incident.code}"' in html
        assert 'href="history"' in html


class TestSwitcherAndAlternates:
    def test_the_page_lists_its_languages_with_hreflang_alternates(self, client, page):
        html = client.get("/es/history").content.decode()
        base = "https://status.example.com"
        assert f'<link rel="alternate" hreflang="en" href="{base}/en/history">' in html
        assert f'<link rel="alternate" hreflang="pt-BR" href="{base}/pt-br/history">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{base}/history">' in html
        assert 'hreflang="fr"' not in html
        assert 'aria-current="true" lang="es">Español</span>' in html
        assert 'href="language?to=pt-br&amp;next=/history"' in html

    def test_a_page_with_one_language_shows_no_switcher(self, client, settings):
        make_page()
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
        html = response.content.decode()
        assert 'class="languages"' not in html
        assert "hreflang" not in html
        assert response["Content-Language"] == "en"
        assert "Accept-Language" not in response.get("Vary", "")  # nothing was negotiated

    def test_switching_keeps_the_choice_in_a_cookie_and_goes_there(self, client, page):
        response = client.get("/es/language?to=pt-br&next=/history%3Fthrough%3D2026-05")
        assert response.status_code == 302
        assert response["Location"] == "../pt-br/history?through=2026-05"
        assert response.cookies["aviso_language"].value == "pt-br"
        bare = client.get("/language?to=es&next=/")
        assert bare["Location"] == "es/"
        # The kept choice wins at the bare path over the browser's header.
        again = client.get("/history", HTTP_ACCEPT_LANGUAGE="en")
        assert again["Content-Language"] == "es"

    def test_switching_refuses_other_hosts_and_languages_the_page_lacks(self, client, page):
        for target in ("//evil.example/x", "https://evil.example/", "\\\\evil.example"):
            response = client.get("/language", {"to": "es", "next": target})
            assert response["Location"] == "es/"
        assert client.get("/language?to=fr&next=/").status_code == 404
        assert client.get("/language?to=xx&next=/").status_code == 404


class TestUpdateTexts:
    def test_readers_get_the_update_in_their_language(self, client, page):
        incident = _incident(page)
        spanish = client.get(f"/es/incidents/{incident.code}").content.decode()
        assert "Lo estamos investigando." in spanish
        assert "We are looking into it." not in spanish
        english = client.get(f"/en/incidents/{incident.code}").content.decode()
        assert "We are looking into it." in english
        assert "Lo estamos investigando." not in english

    def test_a_missing_language_falls_back_to_the_first_and_says_so(self, client, page):
        incident = _incident(page)
        html = client.get(f"/pt-br/incidents/{incident.code}").content.decode()
        assert "We are looking into it." in html
        with translation.override("pt-br"):
            note = translation.gettext(
                "This update is not available in %(language)s; shown in %(original)s."
            ) % {"language": "Português (Brasil)", "original": "English"}
        assert note in html.replace("&#x27;", "'")
        assert '<div lang="en">' in html  # the fallback text is marked as English

    def test_the_lifecycle_refuses_languages_the_page_does_not_offer(self, page):
        with pytest.raises(lifecycle.LifecycleError) as error:
            _incident(page, bodies={"fr": "Nous enquêtons."})
        assert "bodies.fr" in error.value.errors
        with pytest.raises(lifecycle.LifecycleError) as error:
            _incident(page, bodies={"en": "Twice"})
        assert "bodies.en" in error.value.errors
        with pytest.raises(lifecycle.LifecycleError) as error:
            _incident(page, bodies={"es": "\x00"})
        assert "bodies.es" in error.value.errors
        assert not page.incidents.exists()  # nothing stored

    def test_edits_keep_or_replace_the_other_languages_with_an_audit_entry(self, page):
        update = _incident(page).updates.get()
        lifecycle.edit_update(update, actor=SYSTEM, body="Looking.")
        update.refresh_from_db()
        assert update.bodies == {"es": "Lo estamos investigando."}
        lifecycle.edit_update(update, actor=SYSTEM, body="Looking.", bodies={"pt-br": "Olhando."})
        update.refresh_from_db()
        assert update.bodies == {"pt-br": "Olhando."}
        entry = AuditEntry.objects.filter(action="incident_update.edit").order_by("-id").first()
        assert entry.after["bodies"] == {"pt-br": "Olhando."}

    def test_maintenance_text_is_per_language_too(self, client, page):
        import datetime as dt

        from django.utils import timezone

        start = timezone.now() + dt.timedelta(days=1)
        maintenance = lifecycle.schedule_maintenance(
            page,
            actor=SYSTEM,
            name="Database upgrade",
            scheduled_for=start,
            scheduled_until=start + dt.timedelta(hours=1),
            body="We upgrade the database.",
            bodies={"es": "Actualizamos la base de datos."},
        )
        html = client.get(f"/es/maintenances/{maintenance.code}").content.decode()
        assert "Actualizamos la base de datos." in html


class TestDatesInTheReadersLanguage:
    def test_history_months_and_times_are_in_the_readers_words(self, client, page):
        import datetime as dt

        at = dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC)
        _incident(page, started_at=at)
        html = client.get("/es/history?through=2026-07").content.decode()
        assert "junio de 2026" in html
        assert "30 de junio de 2026 · 16:30 (GMT-5)" in html
