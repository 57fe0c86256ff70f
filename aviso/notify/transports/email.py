"""Subscriber email: MIME built by hand once per recipient, sent over one SMTP connection.

Building the multipart body with the ``email`` package costs more than the
SMTP exchange itself; both parts are base64 here, assembled from strings, so
a copy costs a string replace and a base64 pass. ``parse`` tests keep it honest.

The SMTP server's certificate is verified (STARTTLS and SMTPS alike) against
the system's CAs, or the file ``SSL_CERT_FILE`` names; ``EMAIL_TLS_VERIFY =
False`` (``AVISO_EMAIL_TLS_VERIFY``) turns that off. smtplib on its own
verifies nothing, so a man in the middle would read every subscriber mail
and the SMTP password.
"""

from __future__ import annotations

import base64
import email
import email.utils
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.header import Header

from django.conf import settings
from django.core import mail as django_mail

from aviso.lib.languages import tag as language_tag
from aviso.notify.messages import TOKEN, RenderedEmail, links


def _header(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _address(value: str) -> str:
    name, addr = email.utils.parseaddr(value)
    if not name:
        return addr
    return email.utils.formataddr((str(Header(name, "utf-8").encode()), addr))


def _b64(text: str) -> str:
    return base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def ascii_address(address: str) -> str:
    """An address with an internationalised domain, in its IDNA form; ValueError otherwise."""
    local, _, domain = address.rpartition("@")
    if not local.isascii():
        raise ValueError(f"{address}: a non-ASCII local part needs SMTPUTF8, which is not used")
    return f"{local}@{domain.encode('idna').decode('ascii')}" if not domain.isascii() else address


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    to: str
    token: str


class MessageFactory:
    """Everything that is the same for every copy of one rendered email."""

    def __init__(self, rendered: RenderedEmail, language: str, from_email: str) -> None:
        self.rendered = rendered
        self.language = language
        self.from_header = _address(from_email)
        self.envelope_from = email.utils.parseaddr(from_email)[1]
        self.subject = _header(rendered.subject)
        self.domain = self.envelope_from.rsplit("@", 1)[-1] or "localhost"
        self.unsubscribe = links()["unsubscribe"]

    def build(self, to: str, token: str) -> bytes:
        to = ascii_address(to)
        text, html = self.rendered.for_token(token)
        boundary = uuid.uuid4().hex
        headers = [
            f"From: {self.from_header}",
            f"To: {to}",
            f"Subject: {self.subject}",
            f"Date: {email.utils.formatdate(usegmt=True)}",
            f"Message-ID: <{uuid.uuid4().hex}@{self.domain}>",
            "MIME-Version: 1.0",
            f"Content-Language: {language_tag(self.language)}",
            "Auto-Submitted: auto-generated",
        ]
        if self.rendered.list_mail:
            # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click".
            headers += [
                f"List-Unsubscribe: <{self.unsubscribe.replace(TOKEN, token)}>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            ]
        headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        parts = [
            "\r\n".join(headers),
            "",
            f"--{boundary}",
            'Content-Type: text/plain; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            _b64(text),
            f"--{boundary}",
            'Content-Type: text/html; charset="utf-8"',
            "Content-Transfer-Encoding: base64",
            "",
            _b64(html),
            f"--{boundary}--",
            "",
        ]
        return "\r\n".join(parts).encode("ascii")


class _Prebuilt(django_mail.EmailMessage):
    """Hands a ready message to a non-SMTP Django backend (console, locmem)."""

    def __init__(self, raw: bytes, to: str, from_email: str) -> None:
        super().__init__(from_email=from_email, to=[to])
        self.raw = raw

    def message(self):
        return email.message_from_bytes(self.raw)


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


def smtp_tls_context() -> ssl.SSLContext:
    """The TLS context for the SMTP server: verifying unless ``EMAIL_TLS_VERIFY`` is off.

    Built per connection (cheap next to a batch), so a changed CA file is read.
    """
    context = ssl.create_default_context()
    if not getattr(settings, "EMAIL_TLS_VERIFY", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class SmtpSession:
    """One SMTP connection for a whole batch, opened lazily and reused."""

    def __init__(self) -> None:
        self.conn: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 10
        if settings.EMAIL_USE_SSL:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout,
                context=smtp_tls_context(),
            )  # fmt: skip
        else:
            conn = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
            if settings.EMAIL_USE_TLS:
                try:
                    conn.starttls(context=smtp_tls_context())
                except BaseException:
                    conn.close()
                    raise
        if settings.EMAIL_HOST_USER:
            conn.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        return conn

    def send(self, envelope_from: str, to: str, raw: bytes) -> None:
        if self.conn is None:
            self.conn = self.open()
        self.conn.sendmail(envelope_from, [to], raw)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None


# A connection-level failure: the rest of the batch would fail the same way.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)
CONNECTION_ERROR_PREFIX = "SMTP connection:"


def send_batch(
    items: Iterable[tuple[Outgoing, MessageFactory]],
    report: Callable[[int, str | None], None],
) -> None:
    """Send each item; ``report(delivery_id, error or None)`` right after each outcome."""
    items = list(items)
    if not uses_smtp():
        connection = django_mail.get_connection()
        for outgoing, factory in items:
            try:
                raw = factory.build(outgoing.to, outgoing.token)
                connection.send_messages([_Prebuilt(raw, outgoing.to, factory.envelope_from)])
            except Exception as exc:  # any backend error is this delivery's error
                report(outgoing.delivery_id, f"{type(exc).__name__}: {exc}")
            else:
                report(outgoing.delivery_id, None)
        return
    session = SmtpSession()
    try:
        for index, (outgoing, factory) in enumerate(items):
            try:
                raw = factory.build(outgoing.to, outgoing.token)
            except ValueError as exc:
                report(outgoing.delivery_id, str(exc))
                continue
            try:
                session.send(factory.envelope_from, outgoing.to, raw)
            except smtplib.SMTPRecipientsRefused as exc:
                report(outgoing.delivery_id, f"recipient refused: {exc.recipients}")
            except smtplib.SMTPResponseException as exc:
                report(outgoing.delivery_id, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
                if exc.smtp_code == 421:  # the server is closing the connection
                    session.close()
            except CONNECTION_ERRORS as exc:
                error = f"{CONNECTION_ERROR_PREFIX} {type(exc).__name__}: {exc}"
                for rest, _ in items[index:]:
                    report(rest.delivery_id, error)
                return
            else:
                report(outgoing.delivery_id, None)
    finally:
        session.close()
