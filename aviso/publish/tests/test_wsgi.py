from __future__ import annotations

import gzip

import brotli
import pytest

from aviso.publish import wsgi
from aviso.publish.store import SnapshotStore
from aviso.publish.tasks import render_snapshots
from aviso.publish.tests.conftest import wsgi_get
from aviso.publish.wsgi import SnapshotApp
from aviso.status import lifecycle
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    page = make_page("Acme")
    api = make_component(page, "API")
    incident = lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="Slow API",
        body="Requests take **seconds**.",
        components={api: "degraded_performance"},
    )
    render_snapshots()
    return incident


@pytest.fixture
def app(django_wsgi):
    return SnapshotApp(django_wsgi, SnapshotStore())


class TestSnapshotApp:
    def test_it_answers_a_public_page_with_no_query_at_all(
        self, site, app, django_assert_num_queries
    ):
        app.lookup("/")  # the first lookup reads the manifest and the bytes (no database either)
        with django_assert_num_queries(0):
            for url in ("/", "/history", f"/incidents/{site.code}"):
                reply = wsgi_get(app, url)
                assert reply.status_code == 200
        assert b"Slow API" in reply.body
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
        assert reply.headers["etag"].startswith('"')
        assert reply.headers["vary"] == "Accept-Encoding"

    def test_it_hands_a_miss_to_django_which_queries(self, site, app, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert wsgi_get(app, "/").status_code == 200
        # An old history window is not snapshotted: Django renders it from the database.
        reply = wsgi_get(app, "/history?through=2001-03")
        assert reply.status_code == 200
        assert b"Mar 2001" in reply.body
        assert wsgi_get(app, "/incidents/nosuchthing").status_code == 404

    def test_it_answers_304_to_a_matching_etag(self, site, app):
        etag = wsgi_get(app, "/").headers["etag"]
        reply = wsgi_get(app, "/", if_none_match=etag)
        assert reply.status_code == 304
        assert reply.body == b""
        assert reply.headers["etag"] == etag
        # The compressed variants' tags and a list of tags match too.
        gz_tag = wsgi_get(app, "/", accept_encoding="gzip").headers["etag"]
        assert wsgi_get(app, "/", if_none_match=f'"other", W/{gz_tag}').status_code == 304
        assert wsgi_get(app, "/", if_none_match='"stale"').status_code == 200

    def test_it_compresses_when_asked(self, site, app):
        plain = wsgi_get(app, "/").body
        gz = wsgi_get(app, "/", accept_encoding="gzip, deflate")
        assert gz.headers["content-encoding"] == "gzip"
        assert gzip.decompress(gz.body) == plain
        br = wsgi_get(app, "/", accept_encoding="gzip, deflate, br")
        assert br.headers["content-encoding"] == "br"
        assert brotli.decompress(br.body) == plain
        assert int(br.headers["content-length"]) == len(br.body) < len(plain)
        refused = wsgi_get(app, "/", accept_encoding="br;q=0, gzip")
        assert refused.headers["content-encoding"] == "gzip"
        identity = wsgi_get(app, "/", accept_encoding="identity")
        assert "content-encoding" not in identity.headers
        assert identity.body == plain

    def test_it_answers_head_without_a_body(self, site, app):
        reply = wsgi_get(app, "/", method="HEAD")
        assert reply.status_code == 200
        assert reply.body == b""
        assert int(reply.headers["content-length"]) > 0

    def test_it_leaves_writes_to_django(self, site, app):
        # POST is never answered from a snapshot: Django's CSRF check sees it.
        assert wsgi_get(app, "/", method="POST").status_code == 403

    def test_it_serves_a_new_render_after_the_check_interval(self, site, app, monkeypatch):
        monkeypatch.setattr(wsgi, "CHECK_INTERVAL", 0.0)
        before = wsgi_get(app, f"/incidents/{site.code}")
        lifecycle.post_update(site, actor=SYSTEM, status="identified", body="Found the disk.")
        assert wsgi_get(app, f"/incidents/{site.code}").body == before.body  # not yet rendered
        render_snapshots(full=True)
        after = wsgi_get(app, f"/incidents/{site.code}")
        assert b"Found the disk." in after.body
        assert after.headers["etag"] != before.headers["etag"]

    def test_it_keeps_serving_when_the_manifest_is_damaged(
        self, site, app, monkeypatch, snapshot_dir
    ):
        monkeypatch.setattr(wsgi, "CHECK_INTERVAL", 0.0)
        good = wsgi_get(app, "/").body
        (snapshot_dir / "manifest.json").write_text("{not json")
        reply = wsgi_get(app, "/")
        assert reply.status_code == 200
        assert reply.body == good

    def test_it_serves_from_disk_alone_in_a_fresh_process(self, site, django_wsgi):
        reply = wsgi_get(SnapshotApp(django_wsgi, SnapshotStore()), "/")
        assert reply.status_code == 200
        assert b"Slow API" in reply.body


class TestAcceptedEncodings:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("gzip, br", {"gzip", "br"}),
            ("br;q=0, gzip;q=0.5", {"gzip"}),
            ("gzip;q=bogus", set()),
            ("", set()),
            (" BR ", {"br"}),
        ],
    )
    def test_it_reads_the_header(self, header, expected):
        assert wsgi._accepted_encodings(header) == expected
