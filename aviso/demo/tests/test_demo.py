"""The demo page reads like the seed document."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.management import call_command

from aviso.demo.loader import load_demo
from aviso.status.models import Incident

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


class TestDemoHistory:
    def test_history_through_july_2026_reads_like_the_seed(self, client):
        load_demo()
        text = text_of(client.get("/history?through=2026-07"))

        # Months newest first, July empty, the range label and the Next link.
        assert text.index("Jul 2026") < text.index("Jun 2026") < text.index("May 2026")
        july = text[text.index("Jul 2026") : text.index("Jun 2026")]
        assert "No notices reported this month" in july
        june = text[text.index("Jun 2026") : text.index("May 2026")]
        assert june.count("WhatsApp Messaging Service – Increased Latency & Delayed Delivery") == 1
        may = text[text.index("May 2026") : text.index("May 2026 to Jul 2026")]
        assert "WhatsApp Messaging Service – Increased Latency & Delayed Delivery" in may
        assert "Workflow Intermittency" in may
        assert may.index("WhatsApp Messaging Service") < may.index("Workflow Intermittency")
        assert "May 2026 to Jul 2026" in text
        assert "Next" in text

    def test_updates_are_newest_first_with_the_postmortem_on_top(self, client):
        load_demo()
        text = text_of(client.get("/history?through=2026-07"))
        workflow = text[text.index("Workflow Intermittency") :]
        order = [
            workflow.index(label)
            for label in ("Postmortem", "Resolved", "Monitoring", "Identified", "Investigating")
        ]
        assert order == sorted(order)
        for section in (
            "Incident Summary",
            "Impact",
            "Detection",
            "Response",
            "Root Cause",
            "Resolution",
        ):
            assert section in workflow

    def test_the_seed_times_are_shown_in_the_page_zone(self, client):
        load_demo()
        june = Incident.objects.get(started_at__gte=dt.datetime(2026, 6, 2, tzinfo=dt.UTC))
        text = text_of(client.get(f"/incidents/{june.code}"))
        assert "16:30 (GMT-5)" in text
        assert "17:00 (GMT-5)" in text
        assert "between approximately 16:30 and 17:00 (GMT-5)" in text

    def test_the_status_page_says_all_systems_operational(self, client):
        load_demo()
        text = text_of(client.get("/"))
        assert "All systems operational" in text
        for name in (
            "WhatsApp Messaging Service",
            "Facebook Messenger",
            "Instagram Direct",
            "Web Chat",
            "Bot Platform",
            "Workflows & Integrations",
            "Databases",
        ):
            assert name in text
        assert "100.00 % uptime" in text

    def test_the_demo_command_refuses_to_load_twice(self):
        call_command("demo")
        with pytest.raises(Exception, match="already exists"):
            call_command("demo")


class TestDemoLanguages:
    def test_it_offers_english_and_spanish_with_each_first_update_also_in_spanish(self, client):
        page = load_demo()
        assert page.languages == ["en", "es"]
        for incident in Incident.objects.filter(page=page):
            first = incident.updates.order_by("display_at", "id").first()
            assert set(first.bodies) == {"es"}
            assert all(not u.bodies for u in incident.updates.exclude(pk=first.pk))
        june = Incident.objects.filter(page=page).order_by("-started_at").first()
        english = text_of(client.get(f"/incidents/{june.code}", HTTP_ACCEPT_LANGUAGE="en"))
        spanish = text_of(client.get(f"/incidents/{june.code}", HTTP_ACCEPT_LANGUAGE="es"))
        assert "WhatsApp messages are currently experiencing delays" in english
        assert "Los mensajes de WhatsApp presentan demoras" in spanish
        # The name stays the operators' English; the later updates fall back, saying so.
        assert "WhatsApp Messaging Service – Increased Latency & Delayed Delivery" in spanish
        assert "This incident has been resolved." in spanish
        assert "30 de junio de 2026 · 16:30 (GMT-5)" in spanish


class TestDemoInternalPage:
    def test_the_demo_has_a_private_internal_page_sharing_public_components(self, client):
        from aviso.testing import make_user

        load_demo()
        assert client.get("/p/internal/").status_code == 302  # private: sign in first
        client.force_login(make_user("staff"))
        text = text_of(client.get("/p/internal/"))
        assert "Jelou internal" in text
        assert "Primary PostgreSQL" in text and "WhatsApp Messaging Service" in text
        assert "Instagram Direct" not in text  # public components not shared stay off it
        # The seed's WhatsApp incidents touch a shared component: they show inside too.
        history = text_of(client.get("/p/internal/history?through=2026-07"))
        assert "WhatsApp Messaging Service – Increased Latency & Delayed Delivery" in history
