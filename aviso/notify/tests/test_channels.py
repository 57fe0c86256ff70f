"""Operator alert channels: routing by page, component, alert kind and actor; Apprise."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from aviso.notify.channels import save_channel
from aviso.notify.choices import NoticeKind
from aviso.notify.models import Delivery
from aviso.notify.tests.helpers import confirmed_webhook, drain, subscribers
from aviso.status import lifecycle
from aviso.status.worker import process_events
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db

MONITOR = lifecycle.Actor.automation("http monitor")


def channel(receiver, name, **routing):
    return save_channel(
        None, actor=SYSTEM, name=name, kind="webhook", config={"url": receiver.url(name)}, **routing
    )


class TestRouting:
    def test_it_routes_by_component_alert_kind_actor_and_page(self, receiver):
        page = make_page()
        other_page = make_page("Other", slug="other")
        api, web = make_component(page, "API"), make_component(page, "Web")
        process_events("setup")
        channel(receiver, "everything")
        channel(receiver, "web-only", components=[web])
        channel(receiver, "resolved-only", alert_kinds=["incident_resolved"])
        channel(receiver, "monitors-only", actor_kinds=["automation"])
        channel(receiver, "other-page", page=other_page)
        incident = lifecycle.create_incident(
            page, actor=MONITOR, name="API down", components={api: "major_outage"}
        )
        lifecycle.resolve_incident(incident, actor=SYSTEM)
        drain()
        heard = receiver.paths()
        assert heard["/everything"] == 2
        assert heard["/monitors-only"] == 1  # the monitor opened it; the system resolved it
        assert heard["/resolved-only"] == 1
        assert heard["/web-only"] == 0
        assert heard["/other-page"] == 0

    def test_it_alerts_monitor_down_and_up(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        process_events("setup")
        channel(receiver, "ops", alert_kinds=["component_down", "component_up"])
        lifecycle.set_component_status(api, "major_outage", actor=MONITOR)
        lifecycle.set_component_status(api, "operational", actor=MONITOR)
        drain()
        summaries = [r.json()["summary"] for r in receiver.requests]
        assert summaries == [
            "API is Major outage (was Operational)",
            "API is Operational (was Major outage)",
        ]

    def test_it_reaches_operators_even_when_the_public_is_not_told(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        process_events("setup")
        channel(receiver, "ops")
        lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="Quiet",
            components={api: "degraded_performance"},
            notify=False,
        )
        drain()
        assert receiver.paths()["/ops"] == 1


class TestApprise:
    def test_it_sends_through_an_apprise_url(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        process_events("setup")
        save_channel(
            None,
            actor=SYSTEM,
            name="apprise json",
            kind="apprise",
            config={"url": f"json://127.0.0.1:{receiver.port}/apprise"},
        )
        lifecycle.create_incident(
            page, actor=SYSTEM, name="API down", components={api: "major_outage"}
        )
        drain()
        [request] = receiver.requests
        assert request.path == "/apprise"
        message = request.json()
        assert message["title"] == "[Acme] Investigating: API down"
        assert "API: Major outage" in message["message"]

    def test_it_records_an_apprise_failure_for_a_retry(self, receiver):
        page = make_page()
        api = make_component(page, "API")
        process_events("setup")
        save_channel(
            None,
            actor=SYSTEM,
            name="failing",
            kind="apprise",
            config={"url": f"json://127.0.0.1:{receiver.port}/fail"},
        )
        lifecycle.create_incident(
            page, actor=SYSTEM, name="API down", components={api: "major_outage"}
        )
        drain()
        delivery = Delivery.objects.get()
        assert delivery.state == "pending"
        assert delivery.attempts == 1
        assert delivery.last_error


class TestValidation:
    @pytest.mark.parametrize(
        ("kind", "config", "field"),
        [
            ("slack", {"url": "nope"}, "url"),
            ("webhook", {"url": "https://x.test", "extra": 1}, "extra"),
            ("apprise", {"url": "zz://what"}, "url"),
            ("pager", {"url": "https://x.test"}, "kind"),
        ],
    )
    def test_it_names_the_bad_field(self, kind, config, field):
        with pytest.raises(ValidationError) as error:
            save_channel(None, actor=SYSTEM, name="x", kind=kind, config=config)
        assert field in error.value.message_dict

    def test_it_refuses_unknown_routing(self):
        with pytest.raises(ValidationError):
            save_channel(
                None,
                actor=SYSTEM,
                name="x",
                kind="slack",
                config={"url": "https://h.test/x"},
                alert_kinds=["everything"],
            )


class TestOperatorOnlyAlerts:
    def test_automation_that_may_not_announce_still_alerts_operators_and_nobody_else(
        self, receiver
    ):
        page = make_page()
        api = make_component(page, "API", auto_open=False)
        process_events("setup")
        channel(receiver, "ops", alert_kinds=["component_down", "component_up"])
        subscribers(page, 3)
        confirmed_webhook(page, receiver.url("subscriber"))

        lifecycle.alert_operators(
            api, actor=MONITOR, measured_status="major_outage", detail="HTTP 503 from /health"
        )
        lifecycle.alert_operators(
            api, actor=MONITOR, measured_status="operational", detail="every check passes"
        )
        drain()

        bodies = [r.json() for r in receiver.requests if r.path == "/ops"]
        assert [b["summary"] for b in bodies] == [
            "API is Major outage (was Operational)",
            "API is Operational (was Operational)",
        ]
        # Subscribers heard nothing but the webhook's welcome from its setup.
        heard = Delivery.objects.filter(subscriber__isnull=False).exclude(
            notice__kind=NoticeKind.WEBHOOK_WELCOME
        )
        assert not heard.exists()
        assert "/subscriber" not in receiver.paths() or receiver.paths()["/subscriber"] == 0
        api.refresh_from_db()
        assert api.status == "operational"  # the public page did not change
