from __future__ import annotations

from django.conf import settings
from django.db import models

from aviso.status.choices import IncidentImpact, IncidentStatus


class IncidentTemplate(models.Model):
    """A saved title, body and component statuses that prefill the declare form."""

    page = models.ForeignKey(
        "status.Page", on_delete=models.CASCADE, related_name="incident_templates"
    )
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    # Blank: the impact follows the components' statuses.
    impact = models.CharField(max_length=16, choices=IncidentImpact.choices, blank=True)
    body = models.TextField(blank=True)
    # {component code: component status}
    components = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="template_name_unique_per_page")
        ]

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "impact": self.impact,
            "body": self.body,
            "components": self.components,
        }


class SignInThrottle(models.Model):
    """Failed sign-ins counted for one key (an account, an address, or both).

    In the database, so every web process sees the same counts. ``key`` is a
    hash: the table holds no user names.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    # Indexed: stale counts are swept on each failure (see throttle.record_failure).
    last_failure_at = models.DateTimeField(db_index=True)
    # No attempt for this key is checked before this time.
    wait_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.failures} failures"


class KnownSignInAddress(models.Model):
    """An address an account signed in from: guessing elsewhere does not slow it down."""

    account = models.CharField(max_length=64)
    address = models.CharField(max_length=64)
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "address"], name="known_address_once")
        ]

    def __str__(self) -> str:
        return f"{self.account[:8]}… from {self.address[:8]}…"


class OperatorPreference(models.Model):
    """One person's console settings: the language the console speaks to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_preference"
    )
    # Blank: the browser's Accept-Language decides.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or 'browser'}"
