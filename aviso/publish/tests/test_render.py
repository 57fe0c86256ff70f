from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from aviso.publish.render import public_paths, render_path, render_site
from aviso.status import lifecycle, links
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


class TestRenderPath:
    def test_it_renders_what_django_answers(self):
        make_page("Acme")
        snap = render_path("/")
        assert snap is not None
        assert snap.content_type == "text/html; charset=utf-8"
        assert b"Acme" in snap.body
        assert snap.gzip and snap.br

    def test_it_skips_what_no_view_answers_and_what_is_not_a_200(self):
        make_page("Acme")
        assert render_path("/no-such-feed.atom") is None
        assert render_path("/incidents/doesnotexist") is None
        assert render_path("/history?through=garbage") is None  # a redirect

    def test_it_renders_the_present_history_window_once(self):
        page = make_page("Acme")
        snapshots = {s.path: s for s in render_site(windows=2)}
        year, month = dt.datetime.now(page.zone).timetuple()[:2]
        present = snapshots[f"/history?through={year:04d}-{month:02d}"]
        assert present.body == snapshots["/history"].body


class TestPublicPaths:
    def test_it_lists_recent_windows_and_the_notices_in_them(self):
        page = make_page("Acme")
        api = make_component(page, "API")
        recent = lifecycle.create_incident(
            page, actor=SYSTEM, name="Recent", components={api: "major_outage"}
        )
        old = lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="Old",
            started_at=dt.datetime(2019, 1, 5, tzinfo=dt.UTC),
        )
        lifecycle.resolve_incident(old, actor=SYSTEM)
        live = public_paths(page, windows=2)
        assert len([p for p in live if p.startswith("/history?through=")]) == 2
        assert f"/incidents/{recent.code}" in live
        assert f"/incidents/{old.code}" not in live  # older than the live windows: Django
        assert f"/components/{api.code}/badge.svg" in live
        assert "/api/v2/summary.json" in live
        everything = public_paths(page, windows=None)
        assert f"/incidents/{old.code}" in everything
        assert "/history?through=2019-01" in everything or any(
            p.startswith("/history?through=2019-") for p in everything
        )


class TestLinks:
    factory = RequestFactory()

    @pytest.mark.parametrize(
        ("current", "target", "expected"),
        [
            ("/", "/history", "history"),
            ("/", "/", "./"),
            ("/incidents/abc", "/", "../"),
            ("/incidents/abc", "/history?through=2026-05", "../history?through=2026-05"),
            ("/history", "/incidents/abc", "incidents/abc"),
        ],
    )
    def test_it_links_relative_to_the_live_page(self, current, target, expected):
        assert links.site_link(self.factory.get(current), target) == expected

    @pytest.mark.parametrize(
        ("current", "target", "expected"),
        [
            ("/", "/history", "history.html"),
            ("/", "/", "index.html"),
            ("/incidents/abc", "/", "../index.html"),
            ("/incidents/abc", "/history?through=2026-05", "../history-2026-05.html"),
            ("/history?through=2026-05", "/maintenances/x1", "maintenances/x1.html"),
            ("/incidents/abc", "/api/v2/summary.json", "../api/v2/summary.json"),
            ("/", "/subscribe", "http://127.0.0.1:8000/subscribe"),
        ],
    )
    def test_it_links_to_files_in_an_export(self, current, target, expected):
        request = self.factory.get(current, **{links.EXPORT_FLAG: "1"})
        assert links.site_link(request, target) == expected

    def test_it_keeps_site_paths_without_a_request(self):
        assert links.site_link(None, "/history") == "/history"
