"""Who may do what, checked on every console route the URL conf has.

The routes come from ``aviso.console.urls`` itself, so a new route is covered
without being named here; a route whose view does not say its role fails.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from aviso.console import urls as console_urls
from aviso.console.models import IncidentTemplate
from aviso.console.roles import Role
from aviso.status import lifecycle
from aviso.status.models import (
    AuditEntry,
    Component,
    Event,
    HandlerRun,
    Incident,
    IncidentUpdate,
    Maintenance,
    Postmortem,
)
from aviso.testing import SYSTEM, make_component, make_page

# The role table of every route: nothing in it depends on the database engine.
pytestmark = [pytest.mark.django_db, pytest.mark.engine_independent]

ROUTES: list[URLPattern] = [p for p in console_urls.urlpatterns if isinstance(p, URLPattern)]
BY_NAME = {p.name: p for p in ROUTES}
# Open to anyone: the sign-in screens.
PUBLIC = {"login", "verify", "logout"}
# Any signed-in person, for their own account only.
OWN_ACCOUNT = {"start_2fa", "confirm_2fa", "disable_2fa", "password", "language"}
# Buttons on the account screen: POST only.
POST_ONLY = {"start_2fa", "confirm_2fa", "disable_2fa", "language"}
# Changes nothing (renders Markdown).
NO_CHANGE = {"preview"}


def _role(pattern: URLPattern):
    return pattern.callback.console_role


def _writers() -> list[str]:
    """Routes that change something and need more than the viewer role."""
    return sorted(
        p.name
        for p in ROUTES
        if _role(p) is not None and _role(p) != Role.VIEWER and p.name not in NO_CHANGE
    )


@pytest.fixture
def world(scene):
    """One of everything a route can act on, so every route has real arguments."""
    incident = lifecycle.create_incident(
        scene.page, actor=SYSTEM, name="API down", components={scene.api: "major_outage"}
    )
    lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it")
    lifecycle.save_postmortem(incident, actor=SYSTEM, body="## Summary\n\nIt broke.")
    lifecycle.publish_postmortem(incident, actor=SYSTEM)
    incident.refresh_from_db()
    start = timezone.now() + dt.timedelta(days=1)
    maintenance = lifecycle.schedule_maintenance(
        scene.page,
        actor=SYSTEM,
        name="DB upgrade",
        scheduled_for=start,
        scheduled_until=start + dt.timedelta(hours=1),
        components=[scene.db],
    )
    template = IncidentTemplate.objects.create(
        page=scene.page,
        name="Latency",
        title="Slow API",
        components={scene.api.code: "partial_outage"},
    )
    # An event the worker gave up on, for the outbox screen's retry.
    dead = Event.objects.filter(incident=incident).first()
    HandlerRun.objects.create(event=dead, handler="notify.fanout", attempts=12, dead_at=start)
    Event.objects.filter(pk=dead.pk).update(dead_at=start)
    # Another page, one of whose components is shown on this one (and one that is not yet).
    other = make_page("Partner", slug="partner", position=1)
    placed = make_component(other, "Partner API")
    unplaced = make_component(other, "Partner web")
    lifecycle.place_component(placed, scene.page, actor=SYSTEM)
    # The page's readers: an audience and a viewer token (tokens are for private pages).
    lifecycle.update_page(scene.page, actor=SYSTEM, private=True, viewer_domains=["acme.test"])
    audience = lifecycle.save_audience(
        scene.page, actor=SYSTEM, name="Bank", components=[scene.api.code]
    )
    viewer_token, _raw = lifecycle.issue_viewer_token(scene.page, actor=SYSTEM, name="widget")
    kwargs = {
        "audience": audience.code,
        "viewer_token": viewer_token.code,
        "placed": placed.code,
        "event": dead.pk,
        "incident": incident.code,
        "update": incident.updates.order_by("display_at").first().code,
        "maintenance": maintenance.code,
        "component": scene.api.code,
        "template": template.pk,
        "user": scene.user("responder").pk,
    }
    later = timezone.localtime(start + dt.timedelta(days=1), scene.page.zone)
    payloads = {
        "declare": {
            "title": "Web down",
            "status": "investigating",
            f"component_{scene.web.code}": "major_outage",
            "notify": "on",
        },
        "post_update": {"status": "monitoring", "body": "Watching", "version": incident.version},
        "edit_update": {"body": "Corrected words", "version": incident.version},
        "delete_update": {"version": incident.version},
        "postmortem": {"body": "## Summary\n\nNew words.", "version": incident.version},
        "unpublish_postmortem": {"version": incident.version},
        "schedule": {
            "name": "Network work",
            "scheduled_for": f"{later:%Y-%m-%dT%H:%M}",
            "scheduled_until": f"{later + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "components": [scene.web.code],
        },
        "edit_maintenance": {
            "name": "DB upgrade, moved",
            "scheduled_for": f"{later:%Y-%m-%dT%H:%M}",
            "scheduled_until": f"{later + dt.timedelta(hours=2):%Y-%m-%dT%H:%M}",
            "version": maintenance.version,
        },
        "start_maintenance": {"version": maintenance.version},
        "verify_maintenance": {"version": maintenance.version},
        "delete_incident": {},
        "complete_maintenance": {"version": maintenance.version},
        "cancel_maintenance": {"version": maintenance.version},
        "component_status": {"status": "degraded_performance"},
        "template_new": {"name": "Outage", "title": "Outage", "status": "investigating"},
        "template_edit": {"name": "Latency", "title": "Slower API", "status": "identified"},
        "template_delete": {},
        "user_new": {"username": "newcomer", "password": "a-Long-pass-123", "role": "viewer"},
        "user_role": {"role": "viewer", "is_active": "on"},
        "user_reset_2fa": {},
        "settings": {"name": "Acme Status", "slug": "acme", "time_zone": "UTC"},
        "pages": {"name": "Acme internal", "slug": "internal", "time_zone": "UTC"},
        "place": {"component": unplaced.code},
        "unplace": {},
        "audience_new": {"name": "Shop", "email_domains": "shop.test"},
        "audience_edit": {
            "name": "Bank",
            "claims": "groups = bank",
            "components": [scene.web.code],
        },
        "audience_delete": {},
        "token_new": {"name": "intranet", "audience": audience.code},
        "token_revoke": {},
        "retry_event": {},
    }
    return kwargs, payloads


def _url(pattern: URLPattern, kwargs: dict) -> str:
    wanted = {name: kwargs[name] for name in pattern.pattern.converters}
    return reverse(f"console:{pattern.name}", kwargs=wanted)


def _fingerprint() -> tuple:
    """Everything a console route could change, in one comparable value."""
    return (
        AuditEntry.objects.count(),
        Event.objects.count(),
        list(Event.objects.filter(dead_at__isnull=False).values_list("pk")),
        list(Incident.objects.values_list("code", "status", "version")),
        list(IncidentUpdate.objects.values_list("code", "body")),
        list(Component.objects.values_list("code", "status")),
        list(Maintenance.objects.values_list("code", "status", "name", "version")),
        list(Postmortem.objects.values_list("body", "published_at")),
        list(IncidentTemplate.objects.values_list("name", "title")),
        list(Group.objects.values_list("name", "user__username")),
        TOTPDevice.objects.count(),
    )


class TestRouteDeclarations:
    def test_it_finds_the_routes(self):
        assert len(ROUTES) > 30

    @pytest.mark.parametrize("name", sorted(BY_NAME))
    def test_it_says_who_may_use_every_route(self, name):
        callback = BY_NAME[name].callback
        assert hasattr(callback, "console_role"), f"{name} is not wrapped in console_view"
        if callback.console_role is None:
            assert name in PUBLIC


class TestViewer:
    @pytest.mark.parametrize("name", sorted(BY_NAME))
    def test_it_cannot_change_anything_through_any_route(self, scene, world, name):
        kwargs, payloads = world
        pattern = BY_NAME[name]
        if name in PUBLIC or name in OWN_ACCOUNT:
            pytest.skip("open to anyone, or only about the viewer's own account")
        before = _fingerprint()
        response = scene.client("viewer").post(_url(pattern, kwargs), payloads.get(name, {}))
        if _role(pattern) == Role.VIEWER:
            # Read-only screens take no POST at all.
            assert response.status_code == 405, name
        else:
            assert response.status_code == 403, name
        assert _fingerprint() == before

    def test_it_can_read_every_screen(self, scene, world):
        kwargs, _ = world
        client = scene.client("viewer")
        for pattern in ROUTES:
            if _role(pattern) == Role.VIEWER:
                status = client.get(_url(pattern, kwargs)).status_code
                # The account screen's buttons are POST-only; every other viewer route is a screen.
                assert status == (405 if pattern.name in POST_ONLY else 200), pattern.name


class TestResponder:
    @pytest.mark.parametrize("name", sorted(p.name for p in ROUTES if _role(p) == Role.ADMIN))
    def test_it_cannot_use_the_admin_routes(self, scene, world, name):
        kwargs, payloads = world
        before = _fingerprint()
        client = scene.client("responder")
        url = _url(BY_NAME[name], kwargs)
        assert client.get(url).status_code == 403
        assert client.post(url, payloads.get(name, {})).status_code == 403
        assert _fingerprint() == before


class TestWritersForReal:
    """The same posts by an admin do change things: the viewer's 403s above are not luck."""

    @pytest.mark.parametrize("name", _writers())
    def test_an_admin_post_changes_something_and_is_audited(self, scene, world, name):
        kwargs, payloads = world
        audit_before = AuditEntry.objects.count()
        response = scene.client("admin").post(_url(BY_NAME[name], kwargs), payloads.get(name, {}))
        if response.status_code == 405:
            # A screen (admins only, say) that takes no POST; anything taking one needs a payload.
            assert name not in payloads
            return
        assert name in payloads, f"{name} takes POST: give it a payload here"
        assert response.status_code == 302, (name, response.content[:2000])
        assert AuditEntry.objects.count() > audit_before, name
        entry = AuditEntry.objects.order_by("-id").first()
        assert entry.actor == scene.user("admin")
        assert entry.actor_label == "admin"


class TestAnonymous:
    @pytest.mark.parametrize("name", sorted(set(BY_NAME) - PUBLIC))
    def test_it_is_sent_to_sign_in(self, scene, world, name):
        kwargs, payloads = world
        client = scene.client("anonymous")
        url = _url(BY_NAME[name], kwargs)
        before = _fingerprint()
        for response in (client.get(url), client.post(url, payloads.get(name, {}))):
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("console:login"))
        assert _fingerprint() == before


class TestCsrf:
    @pytest.mark.parametrize("name", sorted(BY_NAME))
    def test_a_post_without_the_token_is_refused(self, scene, world, name):
        kwargs, payloads = world
        client = scene.client("admin", enforce_csrf_checks=True)
        before = _fingerprint()
        response = client.post(_url(BY_NAME[name], kwargs), payloads.get(name, {}))
        assert response.status_code == 403, name
        assert _fingerprint() == before
