"""The seed's wording: declaring the demo's June incident reaches Slack and the subscribers."""

from __future__ import annotations

import email
import email.policy

import pytest

from aviso.demo import seed
from aviso.notify.channels import save_channel
from aviso.notify.subscriptions import add_confirmed
from aviso.notify.tests.helpers import drain
from aviso.status import lifecycle
from aviso.status.worker import process_events
from aviso.testing import SYSTEM

pytestmark = pytest.mark.django_db

DEMO = lifecycle.Actor.system("demo loader")


def demo_page():
    page = lifecycle.create_page(actor=DEMO, **seed.PAGE)
    components = {}
    for position, (group_name, members) in enumerate(seed.COMPONENTS):
        group = lifecycle.create_group(page, actor=DEMO, name=group_name, position=position)
        for index, (name, _description) in enumerate(members):
            components[name] = lifecycle.create_component(
                page, actor=DEMO, name=name, group=group, position=index
            )
    return page, components


class TestJuneIncident:
    def test_it_sends_the_slack_message_and_the_subscriber_email(self, smtp, receiver):
        smtp.up()
        page, components = demo_page()
        process_events("setup")  # the page's own creation events
        save_channel(
            None,
            actor=SYSTEM,
            name="#incidents",
            kind="slack",
            config={"url": receiver.url("slack/T000/B000/XXXX")},
            alert_kinds=["incident_opened", "incident_resolved"],
        )
        person = add_confirmed(page, "email", "ana@example.org", language="es", actor=SYSTEM)
        june = seed.INCIDENTS[2]
        (status, body, at), *_rest = june["updates"]

        # Detected by the monitoring systems, as the postmortem says.
        incident = lifecycle.create_incident(
            page,
            actor=lifecycle.Actor.automation("database monitor"),
            name=june["name"],
            status=status,
            body=body,
            components={components[n]: s for n, s in june["components"].items()},
        )
        drain()
        link = f"https://status.example.com/incidents/{incident.code}"

        [slack] = [r for r in receiver.requests if r.path.startswith("/slack/")]
        message = slack.json()
        text = message["text"]
        # Slack's mrkdwn escapes: "&" is written "&amp;" (the header block is plain text).
        assert text.startswith(
            "[Jelou] Investigating: WhatsApp Messaging Service – Increased Latency &amp; Delayed"
        )
        assert message["blocks"][0]["text"]["text"] == f"[Jelou] Investigating: {june['name']}"
        assert "• Messaging Channels - WhatsApp Messaging Service: Degraded performance" in text
        assert "• Platform - Databases: Partial outage" in text
        assert link in text
        blocks = json_text(message["blocks"])
        assert "*Messaging Channels - WhatsApp Messaging Service*" in blocks
        assert f"<{link}|View on the status page>" in blocks
        assert seed.INVESTIGATING_WHATSAPP in blocks

        [(rcpts, raw)] = smtp.messages
        assert rcpts == [person.address]
        mail = email.message_from_bytes(raw, policy=email.policy.default)
        assert mail["Subject"].startswith("[Jelou] Investigando: WhatsApp Messaging Service")
        for part in ("plain", "html"):
            body_text = mail.get_body((part,)).get_content()
            assert "Messaging Channels - WhatsApp Messaging Service: Rendimiento degradado" in (
                body_text
            )
            assert "Platform - Databases: Interrupción parcial" in body_text
            # The Spanish reader's own address of the incident.
            assert link.replace(".com/incidents/", ".com/es/incidents/") in body_text
            # No Spanish text was written for this update: the English one, saying so.
            assert "WhatsApp messages are currently experiencing delays" in body_text


def json_text(blocks) -> str:
    import json

    return json.dumps(blocks, ensure_ascii=False)
