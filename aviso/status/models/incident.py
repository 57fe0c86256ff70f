from __future__ import annotations

from django.conf import settings
from django.db import models

from aviso.lib.ids import new_code
from aviso.status.choices import ActorKind, ComponentStatus, IncidentImpact, IncidentStatus
from aviso.status.models.translated import TranslatedBody


class Incident(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="incidents")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    impact = models.CharField(
        max_length=16, choices=IncidentImpact.choices, default=IncidentImpact.NONE
    )
    # True when a person chose the impact; otherwise it follows the components.
    impact_override = models.BooleanField(default=False)
    started_at = models.DateTimeField(db_index=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    components = models.ManyToManyField(
        "status.Component", through="status.IncidentComponent", related_name="incidents"
    )
    opened_by_kind = models.CharField(
        max_length=16, choices=ActorKind.choices, default=ActorKind.PERSON
    )
    # Where the incident came from outside Aviso (an import), for re-runs to update.
    external_ref = models.CharField(max_length=100, blank=True, db_index=True)
    # Bumped on every change: a form that carries an older version is stale.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["page", "status"]),
            models.Index(fields=["page", "-started_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def duration(self):
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.started_at


class IncidentComponent(models.Model):
    """A component an incident affects, and the status the incident gives it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey("status.Component", on_delete=models.CASCADE)
    status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    # A person's explicit status wins over automation until the incident resolves.
    set_by_person = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "component"], name="incident_component_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.component_id}: {self.status}"


class IncidentUpdate(TranslatedBody):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    body = models.TextField()
    display_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deliver_notifications = models.BooleanField(default=True)
    # [{code, name, old_status, new_status}] as Statuspage's affected_components.
    affected_components = models.JSONField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-display_at", "-id"]
        indexes = [models.Index(fields=["incident", "-display_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:40]}"


class Postmortem(models.Model):
    """A Markdown document shown above the updates once published."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    body = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True)
    notify_subscribers = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Postmortem of {self.incident_id}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
