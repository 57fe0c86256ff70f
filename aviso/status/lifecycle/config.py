"""Pages, component groups and components: the page's configuration."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from aviso.lib import branding, languages
from aviso.status import hosts
from aviso.status.automation import clean_automation_texts
from aviso.status.choices import ComponentStatus, EventKind
from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.errors import LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.lifecycle.validation import clean_choice, clean_name, clean_text
from aviso.status.models import Component, ComponentGroup, Page
from aviso.status.models.page import validate_time_zone
from aviso.status.sealing import keyring

PAGE_FIELDS = {
    "name",
    "slug",
    "time_zone",
    "languages",
    "url",
    "domain",
    "private",
    "viewer_domains",
    "viewer_emails",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "accent_color",
    "header_links",
    "footer_text",
    "custom_css",
    "description",
    "support_url",
    "position",
    "automation_texts",
}
GROUP_FIELDS = {"name", "description", "position", "collapsed"}
COMPONENT_FIELDS = {
    "name",
    "description",
    "position",
    "group",
    "showcase",
    "only_show_if_degraded",
    "start_date",
    "auto_open",
    "auto_resolve",
    "show_response_times",
}


def _check_fields(fields: dict, allowed: set[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise LifecycleError({name: _("Unknown field.") for name in unknown})


def _clean_page_fields(fields: dict) -> dict:
    _check_fields(fields, PAGE_FIELDS)
    if "name" in fields:
        fields["name"] = clean_name(fields["name"])
    if "time_zone" in fields:
        try:
            validate_time_zone(fields["time_zone"])
        except Exception:
            raise LifecycleError(
                {
                    "time_zone": _("%(tz)s is not a known IANA time zone.")
                    % {"tz": fields["time_zone"]}
                }
            ) from None
    if "languages" in fields:
        bad = [code for code in fields["languages"] if languages.normalize(str(code)) is None]
        if bad:
            raise LifecycleError({"languages": _("Unsupported language: %(l)s") % {"l": bad[0]}})
        # Stored as shipped codes (``pt-BR`` is ``pt-br``), each once, in the page's order.
        fields["languages"] = list(
            dict.fromkeys(languages.normalize(str(code)) for code in fields["languages"])
        )
    if "description" in fields:
        fields["description"] = clean_text(
            fields["description"], "description", max_chars=5000, required=False
        )
    if "domain" in fields:
        fields["domain"] = clean_domain(fields["domain"])
    if "private" in fields:
        fields["private"] = bool(fields["private"])
    if "viewer_domains" in fields:
        fields["viewer_domains"] = clean_viewer_domains(fields["viewer_domains"])
    if "viewer_emails" in fields:
        fields["viewer_emails"] = clean_viewer_emails(fields["viewer_emails"])
    if "oidc_issuer" in fields:
        issuer = str(fields["oidc_issuer"] or "").strip().rstrip("/")
        if issuer and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", issuer):
            raise LifecycleError({"oidc_issuer": _("Give the provider's issuer URL.")})
        fields["oidc_issuer"] = issuer
    if "oidc_client_secret" in fields:
        # Write-only, sealed at rest; an empty value removes it.
        secret = str(fields["oidc_client_secret"] or "")
        fields["oidc_client_secret"] = keyring().seal(secret) if secret else ""
    for name, check in (
        ("accent_color", branding.clean_accent),
        ("custom_css", branding.clean_css),
    ):
        if name in fields:
            try:
                fields[name] = check(fields[name] or "")
            except ValueError as error:
                raise LifecycleError({name: str(error)}) from None
    if "footer_text" in fields:
        fields["footer_text"] = clean_text(
            fields["footer_text"] or "", "footer_text", max_chars=500, required=False
        )
    if "header_links" in fields:
        fields["header_links"] = clean_header_links(fields["header_links"])
    if "automation_texts" in fields:
        try:
            fields["automation_texts"] = clean_automation_texts(fields["automation_texts"])
        except ValueError as error:
            raise LifecycleError({"automation_texts": str(error)}) from None
    return fields


_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$"
)


def clean_domain(value) -> str:
    """A page's host name, lower case ("" for none). Not the console's own host
    (``AVISO_BASE_URL``), which serves the first page and renders every snapshot."""
    domain = str(value or "").strip().lower().rstrip(".")
    if not domain:
        return ""
    if not _HOST_NAME.match(domain):
        raise LifecycleError(
            {"domain": _("Give a host name such as status.example.com (no scheme, port or path).")}
        )
    if domain == (urlsplit(settings.BASE_URL).hostname or ""):
        raise LifecycleError(
            {"domain": _("This is AVISO_BASE_URL's host, which serves the first page already.")}
        )
    return domain


def brand_message(error: branding.BrandError) -> str:
    """What a branding check refused, in the reader's language."""
    messages = {
        "accent_format": _("Give the colour as #rrggbb, e.g. #0b57d0."),
        "accent_contrast": _(
            "This colour has a contrast of %(ratio)s:1 on the page's white background; "
            "links need at least 4.5:1. Choose a darker one."
        ),
        "css_long": _("Keep the CSS under 20000 characters."),
        "css_escape": _("Backslash escapes are not allowed in custom CSS."),
        "css_import": _("@import is not allowed: custom CSS cannot load other stylesheets."),
        "css_angle": _("Custom CSS cannot contain '<'."),
        "css_remote": _("Custom CSS cannot load anything from another host."),
        "image_big": _("Keep the image under 512 KB."),
        "image_kind": _("Upload a PNG, JPEG, WebP or ICO image."),
    }
    return (
        messages.get(error.code, str(error)) % error.params
        if error.params
        else messages.get(error.code, str(error))
    )


MAX_VIEWERS = 500


def clean_viewer_domains(value) -> list[str]:
    """Email domains whose addresses may sign in to a private page."""
    found = [str(d).strip().lower().lstrip("@") for d in (value or []) if str(d).strip()]
    if len(found) > MAX_VIEWERS:
        raise LifecycleError({"viewer_domains": _("At most 500 domains.")})
    for domain in found:
        if not _HOST_NAME.match(domain):
            raise LifecycleError(
                {"viewer_domains": _("%(d)s is not an email domain.") % {"d": domain}}
            )
    return list(dict.fromkeys(found))


def clean_viewer_emails(value) -> list[str]:
    """Addresses that may sign in to a private page."""
    found = [str(e).strip().lower() for e in (value or []) if str(e).strip()]
    if len(found) > MAX_VIEWERS:
        raise LifecycleError({"viewer_emails": _("At most 500 addresses.")})
    for email in found:
        try:
            validate_email(email)
        except ValidationError:
            raise LifecycleError(
                {"viewer_emails": _("%(e)s is not an email address.") % {"e": email}}
            ) from None
    return list(dict.fromkeys(found))


MAX_HEADER_LINKS = 5


def clean_header_links(value) -> list[dict]:
    """Up to five {"label", "url"} links for the page's header (http(s) or a site path)."""
    links = list(value or [])
    if len(links) > MAX_HEADER_LINKS:
        raise LifecycleError({"header_links": _("At most five header links.")})
    cleaned = []
    for link in links:
        label = str((link or {}).get("label", "")).strip()
        url = str((link or {}).get("url", "")).strip()
        if not label or len(label) > 60:
            raise LifecycleError({"header_links": _("Each link needs a label (60 characters).")})
        if not re.match(r"^(https?://[^\s]+|/[^/\s][^\s]*|/)$", url) or len(url) > 500:
            raise LifecycleError(
                {"header_links": _("A link goes to an http(s) address or a path starting with /.")}
            )
        cleaned.append({"label": label, "url": url})
    return cleaned


def _page_saved() -> None:
    # This process's ALLOWED_HOSTS sees a new domain at once; others within hosts.TTL.
    transaction.on_commit(hosts.forget)


def _save(obj, field: str = "name"):
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise LifecycleError({field: _("This name is already taken.")}) from None


def page_picture(page: Page) -> dict | None:
    """The page for the audit log, its sealed secret redacted."""
    data = snapshot(page)
    if data and data.get("oidc_client_secret"):
        data["oidc_client_secret"] = "[sealed]"  # noqa: S105 - a redaction mark, not a secret
    return data


def _save_page(page: Page) -> None:
    try:
        with transaction.atomic():
            page.save()
    except IntegrityError:
        taken = Page.objects.exclude(pk=page.pk).filter(domain=page.domain).exists()
        if page.domain and taken:
            raise LifecycleError({"domain": _("Another page has this domain.")}) from None
        raise LifecycleError({"slug": _("This name is already taken.")}) from None
    _page_saved()


def _record_page(actor: Actor, action: str, page: Page, *, before: dict | None) -> None:
    """A page's own change: its audit entry and event (snapshots re-render; no notice)."""
    record(
        actor,
        action,
        page,
        page=page,
        before=before,
        after=page_picture(page),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )


@transaction.atomic
def create_page(*, actor: Actor, **fields) -> Page:
    fields = _clean_page_fields(dict(fields))
    if "name" not in fields:
        raise LifecycleError({"name": _("This field is required.")})
    fields.setdefault("slug", slugify(fields["name"]) or "status")
    page = Page(**fields)
    _save_page(page)
    _record_page(actor, "page.create", page, before=None)
    return page


@transaction.atomic
def update_page(page: Page, *, actor: Actor, **fields) -> Page:
    fields = _clean_page_fields(dict(fields))
    before = page_picture(page)
    for name, value in fields.items():
        setattr(page, name, value)
    _save_page(page)
    _record_page(actor, "page.update", page, before=before)
    return page


@transaction.atomic
def create_group(page: Page, *, actor: Actor, **fields) -> ComponentGroup:
    _check_fields(fields, GROUP_FIELDS)
    fields["name"] = clean_name(fields.get("name"))
    group = ComponentGroup(page=page, **fields)
    _save(group)
    record(
        actor,
        "group.create",
        group,
        page=page,
        before=None,
        after=snapshot(group),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return group


@transaction.atomic
def update_group(group: ComponentGroup, *, actor: Actor, **fields) -> ComponentGroup:
    _check_fields(fields, GROUP_FIELDS)
    if "name" in fields:
        fields["name"] = clean_name(fields["name"])
    before = snapshot(group)
    for name, value in fields.items():
        setattr(group, name, value)
    _save(group)
    record(
        actor,
        "group.update",
        group,
        page=group.page,
        before=before,
        after=snapshot(group),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return group


@transaction.atomic
def delete_group(group: ComponentGroup, *, actor: Actor) -> None:
    """Delete a group; its components stay, ungrouped."""
    before = snapshot(group)
    page = group.page
    record(
        actor,
        "group.delete",
        page,
        page=page,
        before=before,
        after=None,
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    group.delete()


def _clean_component_fields(page: Page, fields: dict) -> dict:
    _check_fields(fields, COMPONENT_FIELDS)
    if "name" in fields:
        fields["name"] = clean_name(fields["name"])
    if "description" in fields:
        fields["description"] = clean_text(
            fields["description"], "description", max_chars=5000, required=False
        )
    group = fields.get("group")
    if isinstance(group, str):
        group = page.groups.filter(code=group).first() or page.groups.filter(name=group).first()
        if group is None:
            raise LifecycleError({"group": _("Unknown group: %(g)s") % {"g": fields["group"]}})
        fields["group"] = group
    elif group is not None and group.page_id != page.pk:
        raise LifecycleError({"group": _("That group belongs to another page.")})
    return fields


@transaction.atomic
def create_component(
    page: Page, *, actor: Actor, status: str = ComponentStatus.OPERATIONAL, **fields
) -> Component:
    fields = _clean_component_fields(page, dict(fields))
    if "name" not in fields:
        raise LifecycleError({"name": _("This field is required.")})
    component = Component(
        page=page, status=clean_choice(status, ComponentStatus, "status"), **fields
    )
    _save(component)
    record(
        actor,
        "component.create",
        component,
        page=page,
        before=None,
        after=snapshot(component),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return component


@transaction.atomic
def update_component(component: Component, *, actor: Actor, **fields) -> Component:
    fields = _clean_component_fields(component.page, dict(fields))
    before = snapshot(component)
    for name, value in fields.items():
        setattr(component, name, value)
    _save(component)
    record(
        actor,
        "component.update",
        component,
        page=component.page,
        before=before,
        after=snapshot(component),
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    return component


@transaction.atomic
def delete_component(component: Component, *, actor: Actor) -> None:
    page = component.page
    record(
        actor,
        "component.delete",
        page,
        page=page,
        before=snapshot(component),
        after=None,
        event=EventKind.PAGE_CHANGED,
        notify=False,
    )
    component.delete()


PAGE_IMAGES = ("logo", "favicon")


@transaction.atomic
def set_page_image(page: Page, kind: str, data: bytes | None, *, actor: Actor) -> Page:
    """Store (or with ``None`` remove) the page's logo or favicon in the default storage."""
    if kind not in PAGE_IMAGES:
        raise LifecycleError({kind: _("Unknown field.")})
    before = page_picture(page)
    old = getattr(page, kind)
    if data is None:
        setattr(page, kind, "")
    else:
        try:
            extension, _type = branding.image_kind(data)
        except branding.BrandError as error:
            raise LifecycleError({kind: brand_message(error)}) from None
        digest = hashlib.blake2b(data, digest_size=8).hexdigest()
        name = default_storage.save(
            f"pages/{page.code}/{kind}-{digest}.{extension}", ContentFile(data)
        )
        setattr(page, kind, name)
    page.save(update_fields=[kind, "updated_at"])
    if old and old != getattr(page, kind):
        transaction.on_commit(lambda: default_storage.delete(old))
    _record_page(actor, f"page.{kind}", page, before=before)
    return page
