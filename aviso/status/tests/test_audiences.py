"""Audiences on a private page: each reader sees their components; subscribers hear of those."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from aviso.notify import subscriptions
from aviso.notify.models import Delivery
from aviso.notify.testing import SmtpSink
from aviso.status import lifecycle
from aviso.status.worker import process_events
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    public = make_page("Jelou")
    whatsapp = make_component(public, "WhatsApp Messaging")
    page = make_page(
        "Jelou for customers",
        slug="customers",
        position=1,
        private=True,
        viewer_domains=["bank.test", "shop.test"],
    )
    lifecycle.place_component(whatsapp, page, actor=SYSTEM)
    bank_api = make_component(page, "Bank API gateway")
    shop_sync = make_component(page, "Shop catalogue sync")
    lifecycle.save_audience(
        page,
        actor=SYSTEM,
        name="Bank",
        email_domains=["bank.test"],
        components=[bank_api.code, whatsapp.code],
    )
    lifecycle.save_audience(
        page, actor=SYSTEM, name="Shop", email_domains=["shop.test"], components=[shop_sync.code]
    )
    return page, whatsapp, bank_api, shop_sync


def _signed_in(smtp: SmtpSink, email: str) -> Client:
    reader = Client()
    reader.post("/p/customers/sign-in", {"email": email})
    process_events("test")
    link = re.search(r"http://\S+/sign-in/\S+", smtp.messages[-1][1].decode()).group(0)
    reader.post("/p/customers" + link.split("/p/customers", 1)[1])
    return reader


class TestWhatEachAudienceSees:
    def test_a_reader_sees_their_audiences_components_and_incidents_only(self, customers, smtp):
        page, whatsapp, bank_api, shop_sync = customers
        lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="Catalogue sync stalled",
            body="Investigating.",
            components={shop_sync: "partial_outage"},
        )
        bank = _signed_in(smtp, "ana@bank.test")
        html = bank.get("/p/customers/").content.decode()
        assert "Bank API gateway" in html and "WhatsApp Messaging" in html
        assert "Shop catalogue sync" not in html and "Catalogue sync stalled" not in html
        summary = json.loads(bank.get("/p/customers/api/v2/summary.json").content)
        assert {c["name"] for c in summary["components"]} == {
            "Bank API gateway",
            "WhatsApp Messaging",
        }
        assert summary["incidents"] == []
        # An incident touching both audiences' components names only the reader's own.
        both = lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="Shared outage",
            body="Investigating.",
            components={bank_api: "major_outage", shop_sync: "major_outage"},
        )
        detail = bank.get(f"/p/customers/incidents/{both.code}").content.decode()
        assert "Bank API gateway" in detail and "Shop catalogue sync" not in detail
        shop = _signed_in(smtp, "li@shop.test")
        html = shop.get("/p/customers/").content.decode()
        assert "Shop catalogue sync" in html and "Catalogue sync stalled" in html
        assert "Bank API gateway" not in html

    def test_an_unknown_component_is_refused_by_name(self, customers):
        page = customers[0]
        with pytest.raises(lifecycle.LifecycleError) as caught:
            lifecycle.save_audience(page, actor=SYSTEM, name="X", components=["nosuchcode"])
        assert "components" in caught.value.errors


class TestSubscribersOfAnAudiencePage:
    def test_a_subscriber_is_not_told_of_an_incident_outside_their_audience(self, customers):
        page, whatsapp, bank_api, shop_sync = customers
        bank = subscriptions.subscribe_email(page, "ana@bank.test", actor=subscriptions.PUBLIC)
        shop = subscriptions.subscribe_email(page, "li@shop.test", actor=subscriptions.PUBLIC)
        for subscriber in (bank, shop):
            subscriptions.confirm(subscriber, actor=subscriptions.PUBLIC)
        process_events("test")
        before = set(Delivery.objects.values_list("pk", flat=True))

        lifecycle.create_incident(
            page,
            actor=SYSTEM,
            name="Bank gateway errors",
            body="Investigating.",
            components={bank_api: "major_outage"},
        )
        process_events("test")
        told = set(
            Delivery.objects.exclude(pk__in=before).values_list("subscriber__address", flat=True)
        )
        assert told == {"ana@bank.test"}

        # The shared WhatsApp component is the Bank audience's too: an incident on the
        # public page reaches the bank subscriber of the customers' page, not the shop one.
        before = set(Delivery.objects.values_list("pk", flat=True))
        lifecycle.create_incident(
            whatsapp.page,
            actor=SYSTEM,
            name="WhatsApp delays",
            body="Investigating.",
            components={whatsapp: "degraded_performance"},
        )
        process_events("test")
        told = set(
            Delivery.objects.exclude(pk__in=before).values_list("subscriber__address", flat=True)
        )
        assert told == {"ana@bank.test"}


class TestAudiencesApi:
    def test_an_admin_token_manages_audiences_and_bad_input_gets_field_messages(self, customers):
        from aviso.api.models import ApiToken
        from aviso.status.models import AuditEntry
        from aviso.testing import make_person

        page, whatsapp, bank_api, shop_sync = customers
        token = ApiToken.issue(make_person("ops", "admin"), name="bot", scope="admin")[1]
        api = Client(headers={"Authorization": f"Bearer {token}"})
        url = "/api/v1/pages/customers/audiences"
        listed = json.loads(api.get(url).content)
        assert {a["name"] for a in listed["items"]} == {"Bank", "Shop"}
        body = {"name": "Partners", "emails": ["x@partner.test"], "components": [bank_api.code]}
        created = api.post(url, json.dumps(body), content_type="application/json")
        assert created.status_code == 201
        assert json.loads(created.content)["components"] == [bank_api.code]
        assert AuditEntry.objects.filter(action="audience.save", page=page).count() == 3
        bad = api.post(
            url,
            json.dumps({"name": "Bad", "emails": ["not-an-address"]}),
            content_type="application/json",
        )
        assert bad.status_code == 422 and "emails" in json.loads(bad.content)["errors"]
        code = json.loads(created.content)["code"]
        assert api.delete(f"{url}/{code}").status_code == 204
