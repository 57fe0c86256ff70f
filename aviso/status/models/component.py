from __future__ import annotations

from django.db import models

from aviso.lib.ids import new_code
from aviso.status.choices import ActorKind, ComponentStatus


class ComponentGroup(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    collapsed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="group_name_unique_per_page")
        ]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    showcase = models.BooleanField(default=True)
    only_show_if_degraded = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    # Automation switches (monitors): open and resolve incidents by themselves.
    auto_open = models.BooleanField(default=True)
    auto_resolve = models.BooleanField(default=True)
    # Response-time charts from its monitors' roll-ups on the public page (opted in:
    # some operators do not want their latency public).
    show_response_times = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "group", "name"], name="component_name_unique_per_group"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """Statuspage's "Group - Component" naming, used in update payloads."""
        return f"{self.group.name} - {self.name}" if self.group_id else self.name


class ComponentStatusChange(models.Model):
    """The history of a component's status: what the uptime arithmetic reads."""

    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    at = models.DateTimeField(db_index=True)
    incident = models.ForeignKey(
        "status.Incident", null=True, blank=True, on_delete=models.SET_NULL
    )
    maintenance = models.ForeignKey(
        "status.Maintenance", null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["component", "at"])]

    def __str__(self) -> str:
        return f"{self.component_id}: {self.old_status} -> {self.new_status}"


class ComponentPlacement(models.Model):
    """A component shown on a page other than its own, under one of that page's groups.

    The component is one thing (one status, one monitor, one history); each
    page that places it shows it and every incident that touches it.
    """

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="placements")
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="placements")
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["component", "page"], name="placement_once_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.component_id} on page {self.page_id}"
