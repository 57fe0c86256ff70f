"""Slack, Teams and SMS subscribers, against local receivers speaking each provider's protocol."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from aviso.notify import subscriptions
from aviso.notify.choices import DeliveryState, NoticeKind, SubscriberKind, Transport
from aviso.notify.models import Delivery, Subscriber
from aviso.notify.tests.helpers import drain
from aviso.status import lifecycle
from aviso.status.models import AuditEntry
from aviso.status.worker import process_events
from aviso.testing import SYSTEM, make_component, make_page

pytestmark = pytest.mark.django_db
NUMBER = "+593991234567"
SLACK_PATH = "slack/services/T0001/B0001/XXXXsecretXXXX"
CONNECTOR_PATH = "teams-connector/webhookb2/abc@def/IncomingWebhook/0123secret/456"
WORKFLOW_PATH = "teams-workflow/workflows/9f8e7d/triggers/manual/paths/invoke"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The subscribe form's per-address counts and the one-code-per-number marks."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page():
    page = make_page(name="Acme", slug="acme")
    make_component(page, "API")
    return page


@pytest.fixture
def twilio(settings, receiver):
    """Aviso's SMS gateway pointed at the receiver's Twilio stand-in."""
    account = receiver.twilio
    settings.NOTIFY_SMS_URL = (
        f"http://{account.sid}:{account.token}@127.0.0.1:{receiver.port}/?from=%2B15005550006"
    )
    return account


def _active_chat(page, kind: str, url: str) -> Subscriber:
    subscriber = subscriptions.subscribe_chat(page, kind, url, actor=SYSTEM)
    drain()
    subscriber.refresh_from_db()
    assert subscriber.is_active, subscriber.deliveries.values("state", "last_error")
    return subscriber


def _incident_lifecycle(page):
    api = page.components.get()
    incident = lifecycle.create_incident(
        page,
        actor=SYSTEM,
        name="API errors",
        body="Requests fail.",
        components={api: "major_outage"},
        detail="10.0.0.5:5432 connection refused",
    )
    drain()
    lifecycle.post_update(incident, actor=SYSTEM, status="identified", body="Found it.")
    drain()
    lifecycle.resolve_incident(incident, actor=SYSTEM, body="Fixed.")
    drain()
    return incident


class TestSlack:
    def test_a_channel_is_welcomed_then_hears_every_update_without_operator_detail(
        self, page, receiver
    ):
        url = receiver.url(SLACK_PATH)
        subscriber = _active_chat(page, SubscriberKind.SLACK, url)
        welcome = receiver.requests[0]
        assert welcome.path == "/" + SLACK_PATH and "Acme" in welcome.json()["text"]
        _incident_lifecycle(page)
        messages = [r.json() for r in receiver.requests[1:]]
        assert len(messages) == 3
        texts = [m["text"] for m in messages]
        assert "Investigating" in texts[0] and "API errors" in texts[0]
        assert "Identified" in texts[1] and "Resolved" in texts[2]
        raw = json.dumps(messages)
        assert "10.0.0.5" not in raw and "connection refused" not in raw
        assert f"/subscriptions/{subscriber.token}/" in raw
        sent = Delivery.objects.filter(subscriber=subscriber, transport=Transport.SUBSCRIBER_SLACK)
        assert sent.filter(state=DeliveryState.SENT).count() == 4

    def test_the_url_is_sealed_and_kept_out_of_the_audit_log_and_lists(self, page, receiver):
        url = receiver.url(SLACK_PATH)
        subscriber = subscriptions.subscribe_chat(page, SubscriberKind.SLACK, url, actor=SYSTEM)
        stored = Subscriber.objects.filter(pk=subscriber.pk).values().get()
        assert "XXXXsecretXXXX" not in json.dumps(stored, default=str)
        assert subscriber.address.startswith("127.0.0.1 #")
        assert subscriber.target_url == url
        entries = json.dumps(list(AuditEntry.objects.values("before", "after")))
        assert "XXXXsecretXXXX" not in entries
        again = subscriptions.subscribe_chat(page, SubscriberKind.SLACK, url, actor=SYSTEM)
        assert again is None and Subscriber.objects.count() == 1

    def test_a_fan_out_run_twice_sends_once(self, page, receiver):
        subscriber = _active_chat(page, SubscriberKind.SLACK, receiver.url(SLACK_PATH))
        lifecycle.create_incident(page, actor=SYSTEM, name="Down")
        process_events("test-worker")
        from aviso.notify.fanout import handle_event
        from aviso.status.models import Event

        handle_event(Event.objects.get(kind="incident.created"))  # as after a crash
        drain()
        keys = list(
            Delivery.objects.filter(
                subscriber=subscriber, notice__kind=NoticeKind.INCIDENT
            ).values_list("key", flat=True)
        )
        assert len(keys) == 1 and re.match(rf"^e\d+:s{subscriber.pk}$", keys[0])
        assert len(receiver.requests) == 2  # the welcome and the one incident

    def test_a_private_address_is_refused_unless_allowed(self, page, receiver, settings):
        settings.NOTIFY_ALLOW_PRIVATE = False
        with pytest.raises(ValidationError) as refused:
            subscriptions.subscribe_chat(
                page, SubscriberKind.SLACK, receiver.url(SLACK_PATH), actor=SYSTEM
            )
        assert "url" in refused.value.message_dict
        assert not Subscriber.objects.exists()

    def test_a_url_allowed_once_is_checked_again_when_sent(self, page, receiver, settings):
        subscriber = subscriptions.subscribe_chat(
            page, SubscriberKind.SLACK, receiver.url(SLACK_PATH), actor=SYSTEM
        )
        settings.NOTIFY_ALLOW_PRIVATE = False
        drain()
        welcome = subscriber.deliveries.get()
        assert welcome.state == DeliveryState.DEAD
        assert "XXXXsecretXXXX" not in welcome.last_error
        assert receiver.requests == []


class TestTeams:
    def test_connectors_get_a_message_card_and_workflows_an_adaptive_card(self, page, receiver):
        connector = _active_chat(page, SubscriberKind.TEAMS, receiver.url(CONNECTOR_PATH))
        workflow = _active_chat(page, SubscriberKind.TEAMS, receiver.url(WORKFLOW_PATH))
        receiver.requests.clear()
        lifecycle.create_incident(page, actor=SYSTEM, name="API errors", body="Requests fail.")
        drain()
        by_path = {r.path.split("/")[1]: r.json() for r in receiver.requests}
        card = by_path["teams-connector"]
        assert card["@type"] == "MessageCard" and "API errors" in card["summary"]
        assert card["sections"][0]["text"] == "Requests fail."
        adaptive = by_path["teams-workflow"]["attachments"][0]
        assert adaptive["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert "API errors" in adaptive["content"]["body"][0]["text"]
        for subscriber in (connector, workflow):
            states = set(subscriber.deliveries.values_list("state", flat=True))
            assert states == {DeliveryState.SENT}

    def test_a_refused_card_is_retried_not_lost(self, page, receiver):
        url = receiver.url("teams-connector/not-a-card-path")
        subscriber = subscriptions.subscribe_chat(page, SubscriberKind.TEAMS, url, actor=SYSTEM)
        # Not a connector URL: an Adaptive Card goes out, which a connector refuses.
        drain()
        welcome = subscriber.deliveries.get()
        assert welcome.state == DeliveryState.PENDING and welcome.attempts == 1
        assert welcome.last_error.startswith("HTTP 400")
        subscriber.refresh_from_db()
        assert not subscriber.is_active


class TestSms:
    def _code(self, twilio) -> str:
        body = twilio.sent[-1]["Body"]
        return re.search(r"\b(\d{6})\b", body).group(1)

    def test_double_opt_in_by_code_then_only_opening_and_resolution(self, page, twilio):
        subscriber = subscriptions.subscribe_sms(page, "+593 99 123 4567", actor=SYSTEM)
        assert subscriber.address == NUMBER and not subscriber.is_active
        drain()
        assert len(twilio.sent) == 1
        sent = twilio.sent[0]
        assert sent["To"] == NUMBER and sent["From"] == "+15005550006"
        code = self._code(twilio)
        stored = Subscriber.objects.filter(pk=subscriber.pk).values_list("sms_code", flat=True)
        assert code not in stored.get()
        wrong = "000000" if code != "000000" else "111111"
        assert subscriptions.confirm_sms(page, NUMBER, wrong, actor=SYSTEM) is None
        subscriber.refresh_from_db()
        assert subscriber.sms_code_attempts == 1 and not subscriber.is_active
        assert subscriptions.confirm_sms(page, NUMBER, code, actor=SYSTEM) is not None
        subscriber.refresh_from_db()
        assert subscriber.is_active and not subscriber.sms_code
        _incident_lifecycle(page)
        bodies = [m["Body"] for m in twilio.sent[1:]]
        assert len(bodies) == 2, bodies
        assert "Investigating" in bodies[0] and "Resolved" in bodies[1]
        assert all("10.0.0.5" not in b for b in bodies)

    def test_a_code_is_refused_after_five_wrong_guesses(self, page, twilio):
        subscriptions.subscribe_sms(page, NUMBER, actor=SYSTEM)
        drain()
        code = self._code(twilio)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert subscriptions.confirm_sms(page, NUMBER, wrong, actor=SYSTEM) is None
        assert subscriptions.confirm_sms(page, NUMBER, code, actor=SYSTEM) is None

    def test_wrong_credentials_fail_without_the_token_in_the_error(self, page, twilio, settings):
        settings.NOTIFY_SMS_URL = settings.NOTIFY_SMS_URL.replace(twilio.token, "wrong-token")
        subscriber = subscriptions.subscribe_sms(page, NUMBER, actor=SYSTEM)
        drain()
        delivery = subscriber.deliveries.get()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.last_error.startswith("HTTP 401") and "Authenticate" in delivery.last_error
        assert "wrong-token" not in delivery.last_error and twilio.sent == []

    def test_without_a_gateway_numbers_are_refused(self, page, settings):
        settings.NOTIFY_SMS_URL = ""
        with pytest.raises(ValidationError):
            subscriptions.subscribe_sms(page, NUMBER, actor=SYSTEM)

    def test_a_gateway_removed_after_subscribing_fails_the_text_saying_why(
        self, page, twilio, settings
    ):
        subscriber = subscriptions.subscribe_sms(page, NUMBER, actor=SYSTEM)
        settings.NOTIFY_SMS_URL = "https://no-credentials.example/?from=%2B15005550006"
        drain()
        delivery = subscriber.deliveries.get()
        assert (
            delivery.state == DeliveryState.PENDING and "SID and auth token" in delivery.last_error
        )
        assert twilio.sent == []

    def test_bad_numbers_are_refused_with_what_to_fix(self, page, twilio):
        for number in ("12345", "+0123456789", "call me"):
            with pytest.raises(ValidationError) as refused:
                subscriptions.subscribe_sms(page, number, actor=SYSTEM)
            assert "phone" in refused.value.message_dict
        national = subscriptions.subscribe_sms(page, "099 123 4567", country="EC", actor=SYSTEM)
        assert national.address == NUMBER

    def test_a_metadata_gateway_is_refused_before_connecting(self, page, settings):
        settings.NOTIFY_SMS_URL = "http://AC1:tok@169.254.169.254/?from=%2B15005550006"
        subscriber = subscriptions.subscribe_sms(page, NUMBER, actor=SYSTEM)
        drain()
        delivery = subscriber.deliveries.get()
        assert delivery.state == DeliveryState.DEAD and "169.254.169.254" in delivery.last_error

    def test_the_public_form_sends_a_code_and_takes_it_back(self, page, twilio):
        client = Client()
        answer = client.post(
            "/subscribe?page=acme", {"kind": "sms", "phone": NUMBER, "language": "en"}
        )
        assert answer.status_code == 200 and b'name="code"' in answer.content
        drain()
        code = self._code(twilio)
        refused = client.post("/subscribe/sms/confirm?page=acme", {"phone": NUMBER, "code": "nope"})
        assert refused.status_code == 400 and b"not the one we sent" in refused.content
        done = client.post("/subscribe/sms/confirm?page=acme", {"phone": NUMBER, "code": code})
        assert done.status_code == 200
        assert Subscriber.objects.get(kind=SubscriberKind.SMS).is_active
        assert AuditEntry.objects.filter(action="subscriber.confirm").count() == 1

    def test_the_twilio_stand_in_speaks_twilios_errors(self, receiver, twilio):
        import urllib.request

        request = urllib.request.Request(  # noqa: S310 - the local receiver
            receiver.url(f"2010-04-01/Accounts/{twilio.sid}/Messages.json"),
            data=b"To=%2B1&Body=x&From=%2B15005550006",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with pytest.raises(urllib.error.HTTPError) as unauthorized:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - the local receiver
        assert unauthorized.value.code == 401
        assert json.loads(unauthorized.value.read())["code"] == 20003


class TestOtherDoors:
    def test_aviso_api_adds_each_kind_and_never_shows_a_channel_url(self, page, receiver, twilio):
        from aviso.api.models import ApiToken
        from aviso.testing import make_person

        _, raw = ApiToken.issue(make_person("bot", "responder"), name="bot", scope="write")
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        url = f"/api/v1/pages/{page.code}/subscribers"
        made = {}
        for kind, address in (
            ("slack", receiver.url(SLACK_PATH)),
            ("teams", receiver.url(WORKFLOW_PATH)),
            ("sms", NUMBER),
        ):
            response = client.post(
                url, {"kind": kind, "address": address}, content_type="application/json"
            )
            assert response.status_code == 201, response.content
            assert b"XXXXsecretXXXX" not in response.content
            made[kind] = json.loads(response.content)
        assert made["sms"]["address"] == NUMBER and made["sms"]["state"] == "pending"
        assert made["slack"]["address"].startswith("127.0.0.1 #")
        listed = client.get(url)
        assert b"XXXXsecretXXXX" not in listed.content and b"invoke" not in listed.content
        skip = {"kind": "sms", "address": "+15551234567", "skip_confirmation": True}
        admin_raw = ApiToken.issue(make_person("root", "admin"), name="root", scope="admin")[1]
        refused = Client(headers={"Authorization": f"Bearer {admin_raw}"}).post(
            url, skip, content_type="application/json"
        )
        assert refused.status_code == 422

    def test_the_public_form_offers_sms_only_with_a_gateway(self, page, receiver, settings):
        settings.NOTIFY_SMS_URL = ""
        form = Client().get("/subscribe?page=acme")
        assert b'value="slack"' in form.content and b'value="teams"' in form.content
        assert b'value="sms"' not in form.content and b'name="phone"' not in form.content
        answer = Client().post(
            "/subscribe?page=acme",
            {"kind": "slack", "url": receiver.url(SLACK_PATH), "language": "en"},
        )
        assert answer.status_code == 200 and b"welcome message" in answer.content
        assert Subscriber.objects.get().kind == SubscriberKind.SLACK
        missing = Client().post("/subscribe?page=acme", {"kind": "teams", "language": "en"})
        assert missing.status_code == 400 and b"incoming webhook URL" in missing.content

    def test_the_console_adds_a_channel_pending_its_welcome_and_a_number_pending_its_code(
        self, page, receiver, twilio, client
    ):
        from aviso.testing import make_user

        client.force_login(make_user("admin", superuser=True))
        for kind, address in (("slack", receiver.url(SLACK_PATH)), ("sms", NUMBER)):
            response = client.post(
                "/console/notify/subscribers/",
                {"page": page.pk, "kind": kind, "address": address, "language": "en"},
                follow=True,
            )
            assert response.status_code == 200
        assert b"welcome message" in response.content or b"confirmation code" in response.content
        added = {s.kind: s for s in Subscriber.objects.all()}
        assert not added["slack"].is_active and not added["sms"].is_active
        assert added["sms"].deliveries.get().notice.kind == NoticeKind.SMS_CODE
        listing = client.get("/console/notify/subscribers/")
        assert b"XXXXsecretXXXX" not in listing.content
