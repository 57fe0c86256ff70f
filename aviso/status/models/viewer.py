from __future__ import annotations

from django.db import models


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
