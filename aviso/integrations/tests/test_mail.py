"""Component automation by email: real mail, sent with smtplib to the real listener
(``aviso.integrations.mail``, as ``aviso inbound-mail`` runs it), changes a component."""

from __future__ import annotations

import asyncio
import smtplib
import threading
from email.message import EmailMessage

import pytest

from aviso.integrations.mail import address_for, serve
from aviso.integrations.models import FiringAlert, Payload
from aviso.integrations.tests.helpers import check_routes, make_integration, public_status
from aviso.status.models import Incident
from aviso.testing import make_component, make_page

# The listener acts on its own threads' connections: the test's rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def listener():
    """The listener on an ephemeral 127.0.0.1 port, on its own loop thread."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    bound = threading.Event()
    ports: list[int] = []

    def started(port: int) -> None:
        ports.append(port)
        bound.set()

    thread = threading.Thread(
        target=loop.run_until_complete, args=(serve("127.0.0.1", 0, stop, started),), daemon=True
    )
    thread.start()
    assert bound.wait(10), "the listener did not start"
    yield ports[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def send(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "nagios@monitoring.example.org"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Service check result attached.\n")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


@pytest.fixture
def scene(settings):
    settings.DETECTION_RESOLVE_AFTER_SECONDS = 0
    page = make_page("Acme")
    component = make_component(page, "Messaging")
    integration, secret = make_integration(page, kind="email", name="Nagios mail")
    return integration, component, address_for(integration, secret, component)


class TestInboundMail:
    def test_a_down_mail_opens_an_incident_and_an_up_mail_resolves_it(self, listener, scene):
        integration, component, address = scene
        send(listener, address, "** PROBLEM Service Alert: messaging/HTTP is DOWN **")
        assert FiringAlert.objects.count() == 1
        check_routes(integration)
        assert public_status(component.code) == "major_outage"
        assert Incident.objects.count() == 1
        send(listener, address, "** RECOVERY Service Alert: messaging/HTTP is UP **")
        assert not FiringAlert.objects.exists()
        check_routes(integration)
        check_routes(integration)
        assert public_status(component.code) == "operational"
        assert Incident.objects.get().status == "resolved"

    def test_configured_words_replace_down_and_up(self, listener, settings):
        page = make_page("Beta")
        component = make_component(page, "Bots")
        integration, secret = make_integration(
            page, kind="email", name="Pager", down_words=["critical"], up_words=["ok"]
        )
        send(listener, address_for(integration, secret, component), "CRITICAL: bots")
        assert FiringAlert.objects.filter(route__component=component).exists()

    def test_a_subject_with_neither_word_is_kept_and_changes_nothing(self, listener, scene):
        integration, component, address = scene
        send(listener, address, "Weekly report")
        assert not FiringAlert.objects.exists()
        kept = Payload.objects.get(integration=integration)
        assert not kept.accepted and "Weekly report" in kept.outcome

    def test_a_wrong_secret_or_unknown_component_is_refused_at_rcpt(self, listener, scene):
        integration, component, address = scene
        local, domain = address.split("@")
        wrong = local.replace(".", ".0", 1) + "@" + domain
        unknown = local.rsplit("+", 1)[0] + "+nosuchthing@" + domain
        for bad in (wrong, unknown, "postmaster@" + domain, local + "@elsewhere.example"):
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                send(listener, bad, "DOWN")
        assert not Payload.objects.exists()
