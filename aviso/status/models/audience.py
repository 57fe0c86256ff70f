from __future__ import annotations

from django.db import models

from aviso.lib.ids import new_code


class Audience(models.Model):
    """A group of a private page's readers (by email domain or address) and what they see.

    A reader in one or more audiences sees the components of those audiences and
    the incidents touching them; a reader in none sees the components no audience
    has. A page without audiences shows everything to every admitted reader.
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="audiences")
    name = models.CharField(max_length=200)
    email_domains = models.JSONField(default=list, blank=True)
    emails = models.JSONField(default=list, blank=True)
    components = models.ManyToManyField("status.Component", related_name="audiences", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="audience_name_unique_per_page")
        ]

    def __str__(self) -> str:
        return self.name

    def includes(self, email: str) -> bool:
        return email in (self.emails or []) or email.rpartition("@")[2] in (
            self.email_domains or []
        )
