from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from aviso.status import lifecycle
from aviso.status.lifecycle.postmortems import SECTIONS
from aviso.status.models import AuditEntry, Postmortem
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC)  # 16:30 in Guayaquil (GMT-5)


@pytest.fixture
def incident(scene):
    incident = lifecycle.create_incident(
        scene.page,
        actor=SYSTEM,
        name="Database saturated",
        body="Bots answer slowly.",
        components={scene.db: "major_outage"},
        display_at=T0,
    )
    lifecycle.post_update(
        incident,
        actor=SYSTEM,
        status="identified",
        body="Long-running sessions.",
        display_at=T0 + dt.timedelta(minutes=10),
    )
    lifecycle.resolve_incident(incident, actor=SYSTEM, display_at=T0 + dt.timedelta(minutes=30))
    incident.refresh_from_db()
    return incident


def _url(incident):
    return reverse("console:postmortem", args=[incident.code])


class TestPostmortemEditor:
    def test_it_is_prefilled_with_the_seed_sections_and_the_timeline(self, scene, incident):
        html = scene.client("responder").get(_url(incident)).content.decode()
        positions = [html.index(f"## {title}") for title in SECTIONS]
        assert positions == sorted(positions)
        assert "## Timeline" in html
        assert "**2026-06-30 16:30 (GMT-5)** Investigating: Bots answer slowly." in html
        assert "(+10m) Identified: Long-running sessions." in html
        assert "Database: Major outage → Operational" in html
        assert "Resolved, 30m after it began" in html

    def test_it_saves_a_draft_then_publishes_and_unpublishes(self, scene, incident):
        client = scene.client("responder")
        response = client.post(
            _url(incident),
            {
                "body": "## Incident Summary\n\nIt broke.",
                "version": incident.version,
                "notify": "on",
            },
        )
        assert response.status_code == 302
        postmortem = Postmortem.objects.get()
        assert not postmortem.is_published
        public = client.get(f"/incidents/{incident.code}").content.decode()
        assert "It broke." not in public

        incident.refresh_from_db()
        response = client.post(
            _url(incident),
            {
                "body": "## Incident Summary\n\nIt broke badly.",
                "version": incident.version,
                "action": "publish",
            },
        )
        assert response.status_code == 302
        postmortem.refresh_from_db()
        assert postmortem.is_published
        assert postmortem.notify_subscribers is False  # the box was left unticked
        for url in (f"/incidents/{incident.code}", "/history?through=2026-06"):
            assert "It broke badly." in client.get(url).content.decode(), url

        incident.refresh_from_db()
        response = client.post(
            reverse("console:unpublish_postmortem", args=[incident.code]),
            {"version": incident.version},
        )
        assert response.status_code == 302
        postmortem.refresh_from_db()
        assert not postmortem.is_published
        actions = list(
            AuditEntry.objects.filter(actor=scene.user("responder"))
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == [
            "postmortem.save",
            "postmortem.save",
            "postmortem.publish",
            "postmortem.unpublish",
        ]

    def test_a_stale_postmortem_form_gets_a_conflict(self, scene, incident):
        stale = incident.version
        lifecycle.save_postmortem(incident, actor=SYSTEM, body="Someone else's words")
        response = scene.client("responder").post(
            _url(incident), {"body": "My words", "version": stale}
        )
        assert response.status_code == 409
        assert "changed since you opened it" in response.content.decode()
        assert "My words" in response.content.decode()
        assert Postmortem.objects.get().body == "Someone else's words"

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("", "This field is required."),
            ("x" * 1_000_000, "At most 50000 characters"),
            ("\x00\x07", "Null characters are not allowed."),
            ("ok \x07\x08", "Contains control characters"),
        ],
    )
    def test_bad_bodies_are_refused_with_a_message(self, scene, incident, body, message):
        response = scene.client("responder").post(
            _url(incident), {"body": body, "version": incident.version, "action": "publish"}
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Postmortem.objects.exists()
