"""Reading a private page's machine answers with a viewer token (see ``ViewerToken``).

A token is sent as ``Authorization: Bearer <token>`` or ``?token=<token>`` (an
image or a feed reader cannot send a header). It opens only what a machine
reads: the v2 JSON, the feeds, the calendar and the badges; the HTML pages
need a signed-in reader, so a token pasted into a link does not become a way
to browse the page.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone

from aviso.status.models import Page, ViewerToken
from aviso.status.models.viewer import VIEWER_TOKEN_PREFIX, hash_viewer_token

MACHINE_SUFFIXES = (".json", ".atom", ".rss", ".ics", ".svg")
# last_used_at is written at most this often per token: no write on every read.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def presented(request: HttpRequest) -> str | None:
    """The token the request carries for a machine answer, if any."""
    if not request.path_info.endswith(MACHINE_SUFFIXES):
        return None
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    raw = value.strip() if scheme.lower() == "bearer" else request.GET.get("token", "")
    if not raw.startswith(VIEWER_TOKEN_PREFIX) or len(raw) > 100:
        return None
    return raw


def token_for(request: HttpRequest, page: Page) -> ViewerToken | None:
    """The active token of ``page`` the request carries (looked up once per request)."""
    cache = request.__dict__.setdefault("_viewer_tokens", {})
    if page.pk in cache:
        return cache[page.pk]
    raw = presented(request)
    token = None
    if raw is not None:
        token = (
            ViewerToken.objects.filter(
                page=page, digest=hash_viewer_token(raw), revoked_at__isnull=True
            )
            .only("pk", "audience_id", "last_used_at")
            .first()
        )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            # Bookkeeping, not a change of the page: no audit entry for a read.
            ViewerToken.objects.filter(pk=token.pk).update(last_used_at=now)
    cache[page.pk] = token
    return token
