"""Several pages on one instance: each by its domain and by /p/<slug>/, through the snapshots."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from aviso.publish.export import export_site
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import mark_dirty, render_snapshots
from aviso.publish.tests.conftest import wsgi_get
from aviso.publish.wsgi import SnapshotApp
from aviso.status import hosts, lifecycle
from aviso.status.hosts import PageHosts
from aviso.status.models import Event
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

PUBLIC = "status.example.test"
INTERNAL = "internal-status.example.test"


@pytest.fixture
def two_pages():
    public = make_page("Jelou", domain=PUBLIC)
    internal = make_page("Jelou internal", slug="internal", domain=INTERNAL, position=1)
    whatsapp = make_component(public, "WhatsApp Messaging")
    make_component(public, "Web Chat")
    database = make_component(internal, "Primary database")
    # The public WhatsApp component is shown on the internal page too, in its own group.
    shared = lifecycle.create_group(internal, actor=SYSTEM, name="Customer channels")
    lifecycle.place_component(whatsapp, internal, actor=SYSTEM, group=shared)
    delayed = lifecycle.create_incident(
        public,
        actor=SYSTEM,
        name="Delayed WhatsApp delivery",
        body="Messages arrive late.",
        components={whatsapp: "degraded_performance"},
    )
    saturated = lifecycle.create_incident(
        internal,
        actor=SYSTEM,
        name="Database connections saturated",
        body="The pool is full.",
        components={database: "partial_outage"},
    )
    render_snapshots()
    return public, internal, delayed, saturated


@pytest.fixture
def app(django_wsgi):
    return SnapshotApp(django_wsgi, SnapshotStore())


def _json(reply) -> dict:
    assert reply.status_code == 200, reply.body[:300]
    return json.loads(reply.body)


class TestTwoPagesFromSnapshots:
    def test_each_domain_serves_its_own_page_without_a_query(
        self, two_pages, app, django_assert_num_queries
    ):
        public, internal, delayed, saturated = two_pages
        app.lookup("/")  # reads the manifest once
        with django_assert_num_queries(0):
            front = wsgi_get(app, "/", host=PUBLIC)
            inside = wsgi_get(app, "/", host=INTERNAL)
            by_path = wsgi_get(app, "/p/internal/")
            summary_a = _json(wsgi_get(app, "/api/v2/summary.json", host=PUBLIC))
            summary_b = _json(wsgi_get(app, "/api/v2/summary.json", host=INTERNAL))
            feed_a = wsgi_get(app, "/history.atom", host=PUBLIC)
            feed_b = wsgi_get(app, "/history.atom", host=INTERNAL)
            detail_b = wsgi_get(app, f"/incidents/{saturated.code}", host=INTERNAL)
        assert front.status_code == inside.status_code == by_path.status_code == 200
        assert b"Jelou internal" not in front.body and b"Web Chat" in front.body
        assert b"Jelou internal" in inside.body and b"Primary database" in inside.body
        assert inside.body == by_path.body
        # The shared component and its incident are on both pages; the internal one only inside.
        assert b"Delayed WhatsApp delivery" in front.body
        assert b"Delayed WhatsApp delivery" in inside.body
        assert b"Database connections saturated" not in front.body
        assert b"Database connections saturated" in inside.body
        assert summary_a["page"]["name"] == "Jelou"
        assert summary_b["page"]["name"] == "Jelou internal"
        names_a = {c["name"] for c in summary_a["components"]}
        names_b = {c["name"] for c in summary_b["components"]}
        assert names_a == {"WhatsApp Messaging", "Web Chat"}
        assert names_b == {"Primary database", "Customer channels", "WhatsApp Messaging"}
        assert [i["name"] for i in summary_a["incidents"]] == ["Delayed WhatsApp delivery"]
        assert {i["name"] for i in summary_b["incidents"]} == {
            "Delayed WhatsApp delivery",
            "Database connections saturated",
        }
        assert summary_b["page"]["url"] == f"http://{INTERNAL}"
        assert b"Database connections saturated" in feed_b.body
        assert b"Database connections saturated" not in feed_a.body
        assert detail_b.status_code == 200
        # The internal incident is not the public page's: Django answers it, with a 404.
        with override_settings(ALLOWED_HOSTS=PageHosts(["testserver"])):
            hosts.forget()
            assert wsgi_get(app, f"/incidents/{saturated.code}", host=PUBLIC).status_code == 404

    def test_a_change_on_one_page_re_renders_the_pages_that_show_it(self, two_pages, app):
        public, internal, delayed, saturated = two_pages
        last = Event.objects.order_by("-id").values_list("id", flat=True).first()
        lifecycle.resolve_incident(delayed, actor=SYSTEM, body="Delivery is back to normal.")
        for event in Event.objects.filter(id__gt=last):
            mark_dirty(event)
        rendered = render_snapshots()
        assert f"/incidents/{delayed.code}" in rendered
        assert f"/p/internal/incidents/{delayed.code}" in rendered
        # The internal incident's own page was not touched.
        assert f"/p/internal/incidents/{saturated.code}" not in rendered
        summary_b = _json(wsgi_get(app, "/api/v2/summary.json", host=INTERNAL))
        assert [i["name"] for i in summary_b["incidents"]] == ["Database connections saturated"]

    def test_an_unknown_slug_and_a_bare_prefix_go_to_django(self, two_pages, app):
        assert wsgi_get(app, "/p/nosuchpage/").status_code == 404
        reply = wsgi_get(app, "/p/internal")
        assert reply.status_code == 301
        assert reply.headers["location"] == "internal/"


class TestDjangoServesEachPage:
    def test_the_page_of_a_path_wins_over_the_host(self, two_pages, client):
        public, internal, delayed, saturated = two_pages
        with override_settings(ALLOWED_HOSTS=PageHosts(["testserver"])):
            hosts.forget()
            by_host = client.get("/history", HTTP_HOST=INTERNAL)
            by_path = client.get("/p/internal/history", HTTP_HOST=PUBLIC)
            first = client.get("/history")
            refused = client.get("/", HTTP_HOST="elsewhere.example.test")
        assert b"Database connections saturated" in by_host.content
        assert b"Database connections saturated" in by_path.content
        assert b"Database connections saturated" not in first.content
        assert refused.status_code == 400  # not a page's domain, not an allowed host

    def test_it_runs_the_same_fixed_queries_for_either_page(self, two_pages, client):
        public, internal, delayed, saturated = two_pages

        def counts() -> list[int]:
            found = []
            for prefix in ("", "/p/internal"):
                for path in ("/", "/history", "/api/v2/summary.json", "/history.atom"):
                    with CaptureQueriesContext(connection) as queries:
                        assert client.get(prefix + path).status_code == 200
                    found.append(len(queries))
            return found

        before = counts()
        # More incidents on both pages (through the shared component) cost no query more.
        whatsapp = public.components.get(name="WhatsApp Messaging")
        for number in range(5):
            lifecycle.create_incident(
                public,
                actor=SYSTEM,
                name=f"Incident {number}",
                body="More.",
                components={whatsapp: "major_outage"},
            )
        assert counts() == before
        assert before[:4] == before[4:]  # the same for the first page and the other one


class TestPageDomains:
    def test_a_page_domain_is_a_host_name(self):
        page = make_page("Acme")
        for bad in ("https://status.example.com", "status.example.com:8443", "a b", "127.0.0.1"):
            with pytest.raises(lifecycle.LifecycleError) as caught:
                lifecycle.update_page(page, actor=SYSTEM, domain=bad)
            assert "domain" in caught.value.errors
        lifecycle.update_page(page, actor=SYSTEM, domain="Status.Example.COM.")
        page.refresh_from_db()
        assert page.domain == "status.example.com"

    def test_two_pages_cannot_share_a_domain(self):
        make_page("Acme", domain="status.example.com")
        other = make_page("Other", slug="other")
        with pytest.raises(lifecycle.LifecycleError) as caught:
            lifecycle.update_page(other, actor=SYSTEM, domain="status.example.com")
        assert caught.value.errors == {"domain": "Another page has this domain."}


class TestStaticExport:
    def test_it_writes_every_page_in_its_own_folder(self, two_pages, tmp_path):
        public, internal, delayed, saturated = two_pages
        files = export_site(tmp_path / "site")
        assert "index.html" in files and "p/internal/index.html" in files
        assert f"p/internal/incidents/{saturated.code}.html" in files
        assert f"incidents/{saturated.code}.html" not in files
        inside = (tmp_path / "site/p/internal/index.html").read_text()
        assert "Primary database" in inside
        # Its stylesheet link resolves inside its own folder.
        assert any(name.startswith("p/internal/static/") for name in files)


class TestPrivatePage:
    @pytest.fixture
    def private(self, two_pages):
        public, internal, delayed, saturated = two_pages
        lifecycle.update_page(internal, actor=SYSTEM, private=True)
        render_snapshots(full=True)
        return two_pages

    def test_it_is_never_in_a_snapshot_and_asks_a_stranger_to_sign_in(self, private, app):
        public, internal, delayed, saturated = private
        manifest = SnapshotStore().read_manifest()
        assert set(manifest.pages) == {"jelou"}
        assert not [key for key in manifest.entries if key.startswith("/p/internal")]
        assert manifest.domains[INTERNAL] == "internal"  # its host goes to Django, not page one
        with override_settings(ALLOWED_HOSTS=PageHosts(["testserver"])):
            hosts.forget()
            front = wsgi_get(app, "/", host=INTERNAL)
            feed = wsgi_get(app, "/history.atom", host=INTERNAL)
            summary = wsgi_get(app, "/p/internal/api/v2/summary.json")
            subscribe = wsgi_get(app, "/subscribe?page=internal")
        assert front.status_code == 302
        assert front.headers["location"] == "sign-in?next=%2F"
        assert b"Primary database" not in front.body
        assert feed.status_code == summary.status_code == 401
        assert subscribe.status_code == 302
        assert wsgi_get(app, "/p/internal/history").headers["location"] == (
            "sign-in?next=%2Fhistory"
        )

    def test_a_signed_in_person_reads_it_and_no_cache_keeps_it(self, private, client):
        from aviso.testing import make_user

        client.force_login(make_user("reader"))
        response = client.get("/p/internal/")
        assert response.status_code == 200
        assert b"Primary database" in response.content
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert client.get("/p/internal/api/v2/summary.json").status_code == 200

    def test_the_static_export_leaves_it_out(self, private, tmp_path):
        files = export_site(tmp_path / "site")
        assert "index.html" in files
        assert not [name for name in files if name.startswith("p/internal")]
