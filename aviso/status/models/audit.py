from __future__ import annotations

from django.conf import settings
from django.db import models

from aviso.status.choices import ActorKind, EventKind


class AuditEntry(models.Model):
    """Who did what, when, before and after. Written by the lifecycle only; never edited."""

    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    page = models.ForeignKey("status.Page", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_id}"


class Event(models.Model):
    """The outbox: one row per change that the world may hear of.

    Written in the same transaction as the change. ``aviso worker`` claims rows
    (a lease in ``claimed_until``) and hands each to the registered handlers
    (notification fan-out, snapshot renders); handlers are idempotent, so a
    claim that expires mid-way is simply taken again. Each handler's outcome
    is kept apart in ``HandlerRun``.
    """

    kind = models.CharField(max_length=40, choices=EventKind.choices)
    at = models.DateTimeField()
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="events")
    incident = models.ForeignKey(
        "status.Incident", null=True, blank=True, on_delete=models.SET_NULL
    )
    incident_update = models.ForeignKey(
        "status.IncidentUpdate", null=True, blank=True, on_delete=models.SET_NULL
    )
    maintenance = models.ForeignKey(
        "status.Maintenance", null=True, blank=True, on_delete=models.SET_NULL
    )
    component = models.ForeignKey(
        "status.Component", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    # Whether subscribers should hear of it (an update's "notify subscribers" box).
    notify = models.BooleanField(default=True)
    payload = models.JSONField(default=dict)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)  # every handler succeeded
    # A handler used its last try: set aside (not handled) until an operator retries it.
    dead_at = models.DateTimeField(null=True, blank=True)
    # A record of the past (an import, a restore): handlers that tell people skip it.
    historical = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["handled_at", "id"]),
            models.Index(fields=["dead_at"], name="event_dead_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
