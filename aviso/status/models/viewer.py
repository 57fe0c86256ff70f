from __future__ import annotations

import hashlib

from django.db import models

from aviso.lib.ids import new_code


class ViewerLink(models.Model):
    """A one-time sign-in link to a private page, mailed to one address.

    The link's secret is not stored: it is this row's id signed with the
    instance's secret key (``aviso.status.viewers.link_token``), so the mail
    handler can write it again and a copy of the database cannot sign anyone in.
    """

    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="viewer_links")
    email = models.EmailField()
    language = models.CharField(max_length=8, default="en")
    next_path = models.CharField(max_length=500, default="/")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.email} on page {self.page_id}"


VIEWER_TOKEN_PREFIX = "aviso_view_"  # noqa: S105 - a label that makes leaked tokens recognisable


def hash_viewer_token(raw: str) -> str:
    # The value carries 256 random bits, so a fast hash leaves nothing to guess.
    return hashlib.sha256(raw.encode()).hexdigest()


class ViewerToken(models.Model):
    """A token that reads a private page's machine answers (v2 JSON, feeds, badges): for
    a widget or a script that cannot sign in.

    The raw value is shown once and never stored, only its SHA-256. A token naming an audience
    sees what that audience sees; one without sees the whole page.
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="viewer_tokens")
    name = models.CharField(max_length=100)
    audience = models.ForeignKey(
        "status.Audience",
        on_delete=models.CASCADE,
        related_name="viewer_tokens",
        null=True,
        blank=True,
    )
    prefix = models.CharField(max_length=24)  # the first characters, to tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True, default="")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
