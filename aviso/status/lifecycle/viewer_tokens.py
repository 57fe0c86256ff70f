"""Viewer tokens: what reads a private page's machine answers without a sign-in."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.records import record
from aviso.status.lifecycle.validation import clean_name
from aviso.status.models import Audience, Page, ViewerToken
from aviso.status.models.viewer import VIEWER_TOKEN_PREFIX, hash_viewer_token


def _picture(token: ViewerToken) -> dict:
    # Never the digest: the audit log says which token, not how to make one.
    return {
        "name": token.name,
        "prefix": token.prefix,
        "audience": token.audience.name if token.audience_id else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@transaction.atomic
def issue_viewer_token(
    page: Page, *, actor: Actor, name: str, audience: Audience | None = None
) -> tuple[ViewerToken, str]:
    """A new token for private ``page``, with its raw value (the caller shows it once)."""
    if not page.private:
        raise LifecycleError({"page": _("This page is public: its JSON needs no token.")})
    if audience is not None and audience.page_id != page.pk:
        raise LifecycleError({"audience": _("Not an audience of this page.")})
    name = clean_name(name)
    if len(name) > 100:
        raise LifecycleError({"name": _("At most 100 characters.")})
    raw = VIEWER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ViewerToken.objects.create(
        page=page,
        name=name,
        audience=audience,
        prefix=raw[: len(VIEWER_TOKEN_PREFIX) + 6],
        digest=hash_viewer_token(raw),
        created_at=timezone.now(),
        created_by=actor.label[:200],
    )
    record(
        actor,
        "viewer_token.issue",
        token,
        page=page,
        before=None,
        after=_picture(token),
        event=None,
    )
    return token, raw


@transaction.atomic
def revoke_viewer_token(token: ViewerToken, *, actor: Actor) -> ViewerToken:
    """Stop ``token`` at once (revoking a revoked token changes nothing)."""
    token = (
        ViewerToken.objects.select_for_update(of=("self",))
        .select_related("audience")
        .get(pk=token.pk)
    )
    if token.revoked_at is not None:
        return token
    before = _picture(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor,
        "viewer_token.revoke",
        token,
        page=token.page,
        before=before,
        after=_picture(token),
        event=None,
    )
    return token
