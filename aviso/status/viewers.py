"""Signing in to a private page by a one-time email link.

A reader types an address on the page's sign-in form. If the page admits it
(``Page.viewer_domains`` / ``viewer_emails``), ``request_link`` stores a link
and an outbox event in one transaction; the worker's handler (``send_link``)
mails it, and retries a mail server that is down. The answer on the form is
the same whether the address was admitted or not, so the form tells nobody
who may read the page. Opening the link shows a button (mail scanners that
fetch links do not spend it); pressing it spends the link and keeps the
address in the reader's session for that page.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aviso.status.choices import ActorKind, EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.records import record
from aviso.status.models import Event, Page, ViewerLink
from aviso.status.routing import page_address

LINK_LIFETIME = dt.timedelta(minutes=15)
SESSION_KEY = "aviso_viewers"  # {page id: email} in the reader's session
CLAIMS_KEY = "aviso_viewer_claims"  # {page id: ID token claims} of a single sign-on
# What of an ID token is kept: audiences match on these; the rest is the token's own.
MAX_CLAIMS_CHARS = 4000
_TOKEN_CLAIMS = {
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "at_hash",
    "c_hash",
    "azp",
    "auth_time",
}
_SALT = "aviso.viewer-link"


def link_token(link: ViewerLink) -> str:
    return signing.Signer(salt=_SALT).sign(str(link.pk))


def link_from_token(token: str) -> ViewerLink | None:
    try:
        pk = int(signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return ViewerLink.objects.select_related("page").filter(pk=pk).first()


@transaction.atomic
def request_link(page: Page, email: str, *, language: str, next_path: str) -> ViewerLink | None:
    """A link for ``email`` when the page admits it (None otherwise); mailed by the worker."""
    email = email.strip().lower()
    if not page.private or not page.admits(email):
        return None
    now = timezone.now()
    link = ViewerLink.objects.create(
        page=page,
        email=email,
        language=language,
        next_path=next_path
        if next_path.startswith("/") and not next_path.startswith("//")
        else "/",
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    record(
        Actor(ActorKind.PERSON, f"reader {email}"),
        "viewer.link",
        link,
        page=page,
        before=None,
        after={"email": email, "expires_at": link.expires_at.isoformat()},
        event=EventKind.VIEWER_LINK,
        notify=False,
        payload={"link": link.pk},
    )
    return link


@transaction.atomic
def redeem(token: str) -> ViewerLink | None:
    """Spend a link: the link when it was unused and not expired, else None."""
    found = link_from_token(token)
    if found is None:
        return None
    spent = ViewerLink.objects.filter(
        pk=found.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not spent:
        return None
    record_sign_in(found.page, found.email, "email link", obj=found)
    return found


def record_sign_in(page: Page, email: str, how: str, obj=None) -> None:
    """The audit entry of a reader's sign-in to a private page."""
    record(
        Actor(ActorKind.PERSON, f"reader {email}"),
        "viewer.sign_in",
        obj or page,
        page=page,
        before=None,
        after={"email": email, "by": how},
        event=None,
    )


def signed_in_email(request: HttpRequest, page: Page) -> str | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    return (session.get(SESSION_KEY) or {}).get(str(page.pk))


def remember(request: HttpRequest, link: ViewerLink) -> None:
    remember_email(request, link.page_id, link.email)


def remember_email(
    request: HttpRequest, page_id: int, email: str, claims: dict | None = None
) -> None:
    """Keep ``email`` (and a single sign-on's claims) as the reader of page ``page_id`` in
    the session (a new session id). An email-link sign-in keeps no claims."""
    viewers = dict(request.session.get(SESSION_KEY) or {})
    viewers[str(page_id)] = email
    kept = dict(request.session.get(CLAIMS_KEY) or {})
    kept[str(page_id)] = kept_claims(claims or {})
    request.session.cycle_key()  # a new session id on sign-in
    request.session[SESSION_KEY] = viewers
    request.session[CLAIMS_KEY] = kept


def kept_claims(claims: dict) -> dict:
    """The claims audiences may match on: text, numbers, flags and lists of them, within
    MAX_CLAIMS_CHARS in all (a claim that would pass it is left out)."""
    kept, size = {}, 0
    for name, value in sorted(claims.items()):
        if name in _TOKEN_CLAIMS or not isinstance(name, str):
            continue
        if isinstance(value, list):
            value = [str(v) for v in value if isinstance(v, str | int | float | bool)]
        elif not isinstance(value, str | int | float | bool):
            continue
        cost = len(name) + len(str(value))
        if size + cost > MAX_CLAIMS_CHARS:
            continue  # too big to keep in the session: left out, the smaller ones kept
        size += cost
        kept[name] = value
    return kept


def signed_in_claims(request: HttpRequest, page: Page) -> dict:
    session = getattr(request, "session", None)
    if session is None:
        return {}
    return (session.get(CLAIMS_KEY) or {}).get(str(page.pk)) or {}


def send_link(event: Event) -> None:
    """The outbox handler: mail the sign-in link of a ``viewer.link`` event."""
    if event.kind != EventKind.VIEWER_LINK:
        return
    link = ViewerLink.objects.select_related("page").filter(pk=event.payload.get("link")).first()
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        return  # spent or stale: a retry after that sends nothing
    address = page_address(link.page) + "/sign-in/" + link_token(link)
    with translation.override(link.language):
        subject = _("Sign in to %(page)s") % {"page": link.page.name}
        body = _(
            "Open this link to read %(page)s. It works once, for 15 minutes:\n\n%(link)s\n\n"
            "If you did not ask for it, ignore this message."
        ) % {"page": link.page.name, "link": address}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [link.email])
