from __future__ import annotations

from django.db import models

from aviso.lib.ids import new_code


class Audience(models.Model):
    """A group of a private page's readers (by email domain, address or ID token claim) and
    what they see.

    A reader in one or more audiences sees the components of those audiences and
    the incidents touching them; a reader in none sees the components no audience
    has. A page without audiences shows everything to every admitted reader.
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="audiences")
    name = models.CharField(max_length=200)
    email_domains = models.JSONField(default=list, blank=True)
    emails = models.JSONField(default=list, blank=True)
    # Readers signed in by single sign-on whose ID token has one of these claims:
    # [{"claim": "groups", "value": "customer-a"}] (a list claim contains it, another equals it).
    claims = models.JSONField(default=list, blank=True)
    components = models.ManyToManyField("status.Component", related_name="audiences", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="audience_name_unique_per_page")
        ]

    def __str__(self) -> str:
        return self.name

    def includes(self, email: str, claims: dict | None = None) -> bool:
        if email in (self.emails or []) or email.rpartition("@")[2] in (self.email_domains or []):
            return True
        return any(claim_matches(claims or {}, rule) for rule in self.claims or [])


def claim_matches(claims: dict, rule: dict) -> bool:
    """Whether an ID token's ``claims`` meet ``rule``: a list claim contains its value,
    any other claim equals it (compared as text)."""
    have = claims.get(rule.get("claim", ""))
    if isinstance(have, list):
        return rule.get("value") in [str(item) for item in have]
    return have is not None and str(have) == rule.get("value")
