"""Snapshots per (language, path): negotiated at the snapshot layer, only the page's languages."""

from __future__ import annotations

import pytest

from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.publish.tests.conftest import wsgi_get
from aviso.publish.wsgi import SnapshotApp
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    page = make_page("Acme", languages=["en", "es"])
    api = make_component(page, "API")
    incident = lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="Slow API",
        body="Requests take seconds.",
        bodies={"es": "Las solicitudes tardan segundos."},
        components={api: "degraded_performance"},
    )
    render_snapshots()
    return incident


@pytest.fixture
def app(django_wsgi):
    return SnapshotApp(django_wsgi, SnapshotStore())


class TestNegotiationAtTheSnapshotLayer:
    def test_a_spanish_reader_gets_spanish_and_an_english_reader_english(
        self, site, app, django_assert_num_queries
    ):
        app.lookup("/")  # load the manifest
        with django_assert_num_queries(0):  # answered by the snapshot layer, not Django
            spanish = wsgi_get(app, "/", accept_language="es-EC,es;q=0.9,en;q=0.5")
            english = wsgi_get(app, "/", accept_language="en-US,en;q=0.9")
        assert spanish.status_code == english.status_code == 200
        assert b'<html lang="es">' in spanish.body
        assert b"Las solicitudes tardan segundos." in spanish.body
        assert spanish.headers["content-language"] == "es"
        assert b'<html lang="en">' in english.body
        assert b"Requests take seconds." in english.body
        assert english.headers["content-language"] == "en"
        for reply in (spanish, english):
            assert reply.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"
        assert spanish.headers["etag"] != english.headers["etag"]

    def test_the_readers_cookie_wins_and_a_304_still_varies(self, site, app):
        first = wsgi_get(app, "/history", accept_language="en", cookie="aviso_language=es")
        assert first.headers["content-language"] == "es"
        again = wsgi_get(
            app,
            "/history",
            accept_language="en",
            cookie="aviso_language=es",
            if_none_match=first.headers["etag"],
        )
        assert again.status_code == 304
        assert again.headers["vary"] == "Accept-Encoding, Accept-Language, Cookie"

    def test_a_language_prefix_is_served_from_its_snapshot_without_vary(
        self, site, app, django_assert_num_queries
    ):
        app.lookup("/")
        with django_assert_num_queries(0):
            for url in ("/es/", "/es/history", f"/es/incidents/{site.code}", "/en/history"):
                reply = wsgi_get(app, url, accept_language="de")
                assert reply.status_code == 200, url
                assert reply.headers["vary"] == "Accept-Encoding"
        spanish = wsgi_get(app, "/es/api/v2/summary.json")
        assert spanish.headers["content-language"] == "es"
        assert b"Las solicitudes tardan segundos." in spanish.body

    def test_only_the_pages_languages_are_rendered(self, site):
        manifest = SnapshotStore().read_manifest()
        assert manifest.languages == ["en", "es"]
        keys = set(manifest.entries)
        assert "/history" in keys and "/es/history" in keys
        assert f"/es/incidents/{site.code}" in keys
        assert not any(key.startswith(("/fr/", "/de/", "/it/", "/pt-br/", "/en/")) for key in keys)

    def test_a_language_the_page_lacks_goes_to_django_which_refuses_it(self, site, app):
        assert wsgi_get(app, "/fr/history").status_code == 404
        # "/es" without its slash is Django's redirect, not a snapshot.
        assert wsgi_get(app, "/es").status_code == 301
