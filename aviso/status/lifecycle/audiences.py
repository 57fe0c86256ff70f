"""A private page's audiences: who (email domains, addresses, ID token claims) sees which
components."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aviso.status.choices import EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.config import clean_viewer_domains, clean_viewer_emails
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.records import record
from aviso.status.lifecycle.validation import clean_name
from aviso.status.models import Audience, Page
from aviso.status.showing import shown_components


def _picture(audience: Audience) -> dict:
    return {
        "name": audience.name,
        "email_domains": audience.email_domains,
        "emails": audience.emails,
        "claims": audience.claims,
        "components": sorted(audience.components.values_list("code", flat=True)),
    }


MAX_CLAIM_RULES = 20
_CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")


def clean_claims(rules: list[dict]) -> list[dict]:
    """``[{"claim": "groups", "value": "customer-a"}]``: names as ID tokens spell them."""
    if len(rules) > MAX_CLAIM_RULES:
        raise LifecycleError({"claims": _("At most %(n)s claims.") % {"n": MAX_CLAIM_RULES}})
    cleaned = []
    for rule in rules:
        claim = str(rule.get("claim", "")).strip() if isinstance(rule, dict) else ""
        value = str(rule.get("value", "")).strip() if isinstance(rule, dict) else ""
        if not _CLAIM_NAME.match(claim):
            raise LifecycleError(
                {"claims": _("A claim's name is letters, digits and _ . : / - (up to 100).")}
            )
        if not value or len(value) > 200 or "\x00" in value:
            raise LifecycleError({"claims": _("A claim's value is 1 to 200 characters.")})
        if {"claim": claim, "value": value} not in cleaned:
            cleaned.append({"claim": claim, "value": value})
    return cleaned


def _components(page: Page, codes: list[str]) -> list:
    found = list(shown_components(page).filter(code__in=codes))
    missing = sorted(set(codes) - {c.code for c in found})
    if missing:
        raise LifecycleError(
            {"components": _("Not a component of this page: %(c)s") % {"c": missing[0]}}
        )
    return found


@transaction.atomic
def save_audience(
    page: Page,
    *,
    actor: Actor,
    name: str,
    email_domains: list[str] | None = None,
    emails: list[str] | None = None,
    claims: list[dict] | None = None,
    components: list[str] | None = None,
    audience: Audience | None = None,
) -> Audience:
    """Create an audience on ``page`` (or change ``audience``) with its readers and components."""
    before = _picture(audience) if audience is not None else None
    audience = audience or Audience(page=page)
    audience.name = clean_name(name)
    try:
        audience.email_domains = clean_viewer_domains(email_domains or [])
        audience.emails = clean_viewer_emails(emails or [])
    except LifecycleError as error:
        # The page's own fields are viewer_*; an audience's are these.
        names = {"viewer_domains": "email_domains", "viewer_emails": "emails"}
        raise LifecycleError({names.get(k, k): v for k, v in error.errors.items()}) from None
    audience.claims = clean_claims(claims or [])
    chosen = _components(page, list(components or []))
    try:
        with transaction.atomic():
            audience.save()
    except IntegrityError:
        raise LifecycleError({"name": _("This name is already taken.")}) from None
    audience.components.set(chosen)
    record(
        actor,
        "audience.save",
        audience,
        page=page,
        before=before,
        after=_picture(audience),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return audience


@transaction.atomic
def delete_audience(audience: Audience, *, actor: Actor) -> None:
    record(
        actor,
        "audience.delete",
        audience,
        page=audience.page,
        before=_picture(audience),
        after=None,
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    audience.delete()
