from __future__ import annotations

from django.conf import settings
from django.db import models

from aviso.lib.ids import new_code
from aviso.status.choices import ActorKind, MaintenanceStatus
from aviso.status.models.translated import TranslatedBody


class Maintenance(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="maintenances")
    name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    scheduled_for = models.DateTimeField(db_index=True)
    scheduled_until = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    components = models.ManyToManyField("status.Component", related_name="maintenances", blank=True)
    auto_start = models.BooleanField(default=True)
    auto_complete = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    external_ref = models.CharField(max_length=100, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-scheduled_for", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status in MaintenanceStatus.active_values()


class MaintenanceUpdate(TranslatedBody):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField()
    display_at = models.DateTimeField()
    created_at = models.DateTimeField()
    deliver_notifications = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.body[:40]}"
