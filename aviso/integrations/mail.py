"""Component automation by email: ``aviso inbound-mail`` listens for SMTP.

Each email integration gives every component of its page an address,
``<integration code>.<secret>+<component code>@<AVISO_INBOUND_MAIL_DOMAIN>``.
A mail to it whose subject holds a "down" word (DOWN by default) fires an
alert on the component, one with an "up" word (UP) resolves it; from there
it is the same push monitor, confirmations and incident rules as the other
alert sources. Unknown or wrong addresses are refused at RCPT (550), so the
listener never accepts mail it cannot act on.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import re
from dataclasses import dataclass

from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from aviso.integrations import configs, lifecycle
from aviso.integrations.alerts import Alert
from aviso.integrations.choices import IntegrationKind
from aviso.integrations.models import Integration
from aviso.integrations.secrets import matches
from aviso.status.models import Component

log = logging.getLogger(__name__)
logging.getLogger("mail.log").setLevel(logging.WARNING)

MAX_MESSAGE_BYTES = 1_000_000
_LOCAL = re.compile(
    r"^(?P<code>[a-z0-9]{1,12})\.(?P<secret>[a-z0-9]{8,64})\+(?P<component>[a-z0-9]{1,12})$"
)


@dataclass(frozen=True)
class Target:
    integration: Integration
    component: Component


def address_for(integration: Integration, secret: str, component: Component) -> str:
    return f"{integration.code}.{secret}+{component.code}@{settings.INBOUND_MAIL_DOMAIN}"


def target_for(address: str) -> Target | None:
    """The integration and component an address stands for, or None (refused)."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != settings.INBOUND_MAIL_DOMAIN.lower():
        return None
    found = _LOCAL.match(local)
    if found is None:
        return None
    integration = Integration.objects.filter(
        code=found["code"], kind=IntegrationKind.EMAIL, enabled=True
    ).first()
    if integration is None or not matches(integration.secret, found["secret"]):
        return None
    component = Component.objects.filter(page_id=integration.page_id,
                                         code=found["component"]).first()  # fmt: skip
    return None if component is None else Target(integration, component)


def verdict(subject: str, conf: configs.EmailConf) -> bool | None:
    """True: down, False: up, None: the subject says neither."""
    words = set(re.findall(r"[A-Z0-9_]+", subject.upper()))
    if words & set(conf.down_words):
        return True
    if words & set(conf.up_words):
        return False
    return None


def deliver(recipients: list[str], raw: bytes) -> list[str]:
    """Act on one accepted mail; returns what it did per recipient (for the log)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(message.get("Subject", "")).strip()[:300]
    done = []
    for address in recipients:
        target = target_for(address)
        if target is None:
            continue
        integration = target.integration
        conf = configs.parse_config(integration.kind, integration.config)
        firing = verdict(subject, conf)
        if firing is None:
            said = f"subject has no up or down word: {subject}"
            lifecycle.refused_payload(integration, raw, said)
            done.append(f"{address}: no up or down word")
            continue
        alert = Alert(target.component.code, firing, "email", subject)
        receipt = lifecycle.receive_alerts(integration, [alert], raw)
        done.append(f"{address}: {receipt.outcome()}")
    return done


def _in_thread(function, *args):
    """Django's database work off the event loop, on a connection kept healthy."""

    def run():
        close_old_connections()
        try:
            return function(*args)
        finally:
            # Mail is rare: a pool thread does not keep a database connection open.
            connections.close_all()

    return asyncio.to_thread(run)


class InboundMail:
    """aiosmtpd's handler: check each recipient at RCPT, act on the mail at DATA."""

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:  # fmt: skip
        if await _in_thread(target_for, address) is None:
            return "550 5.1.1 No such component address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        try:
            done = await _in_thread(deliver, list(envelope.rcpt_tos), envelope.original_content)
        except Exception:
            log.exception("inbound mail: acting on a message failed")
            return "451 4.3.0 Could not act on the message now; try again later"
        log.info("inbound mail: %s", "; ".join(done))
        return "250 Message accepted"


def protocol() -> SMTP:
    return SMTP(InboundMail(), hostname=settings.INBOUND_MAIL_DOMAIN,
                data_size_limit=MAX_MESSAGE_BYTES, ident="Aviso inbound mail")  # fmt: skip


async def serve(host: str, port: int, stop: asyncio.Event, started=None) -> None:
    """Listen until ``stop`` is set; ``started(port)`` is called once listening."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(protocol, host=host, port=port)
    if started is not None:
        started(server.sockets[0].getsockname()[1])
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
