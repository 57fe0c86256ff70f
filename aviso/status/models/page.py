from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aviso.lib.ids import new_code


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a known IANA time zone"), params={"value": value}
        ) from None


class Page(models.Model):
    """A status page, served at ``/p/<slug>/`` and by its own ``domain``.

    The first page (lowest position) is also served at ``/`` on every other host.
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    languages = models.JSONField(default=list, blank=True)
    url = models.URLField(blank=True, help_text=_("The page's public address"))
    # The host name that serves this page at its root ("status.example.com"), lower case.
    domain = models.CharField(max_length=253, blank=True, default="")
    # Answers only to signed-in people; never in a snapshot, a public feed or the export.
    private = models.BooleanField(default=False)
    # Who may sign in to a private page by email link: any address at these domains, and
    # these addresses ("example.com", "ana@partner.example").
    viewer_domains = models.JSONField(default=list, blank=True)
    viewer_emails = models.JSONField(default=list, blank=True)
    # Single sign-on for readers through any OpenID Connect provider (aviso.status.oidc).
    oidc_issuer = models.URLField(blank=True, default="")
    oidc_client_id = models.CharField(max_length=255, blank=True, default="")
    oidc_client_secret = models.TextField(blank=True, default="")  # sealed; write-only
    # Branding (aviso.lib.branding checks each): none of it set is the default look.
    accent_color = models.CharField(max_length=7, blank=True, default="")
    header_links = models.JSONField(default=list, blank=True)  # [{"label", "url"}]
    footer_text = models.TextField(blank=True, default="")
    custom_css = models.TextField(blank=True, default="")
    # Names in the default storage (the data dir unless configured otherwise).
    logo = models.CharField(max_length=255, blank=True, default="")
    favicon = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True)
    support_url = models.URLField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # What automation posts in public, by step ("investigating", "monitoring", ...);
    # a step left out uses aviso.status.automation's default in the page's language.
    automation_texts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="page_domain_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def has_oidc(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def admits(self, email: str) -> bool:
        """Whether ``email`` (already lower case) may read this private page."""
        domain = email.rpartition("@")[2]
        return email in (self.viewer_emails or []) or domain in (self.viewer_domains or [])

    @property
    def has_brand_css(self) -> bool:
        return bool(self.accent_color or self.custom_css)

    @classmethod
    def default(cls) -> Page | None:
        return cls.objects.order_by("position", "id").first()
