"""What automatic incidents remember: per-region verdicts, each monitor's damped
state, outages with their evidence, and the heartbeats of the processes."""

from __future__ import annotations

from django.db import models

from aviso.monitors.choices import MonitorState
from aviso.status.choices import ComponentStatus


class RegionState(models.Model):
    """One region's confirmed view of one monitor (confirmations applied per region)."""

    monitor = models.ForeignKey(
        "monitors.Monitor", on_delete=models.CASCADE, related_name="region_states"
    )
    region = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=MonitorState.choices)
    streak_status = models.CharField(max_length=16, blank=True)
    streak = models.PositiveIntegerField(default=0)
    checked_at = models.DateTimeField()
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitor", "region"], name="region_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.monitor_id}@{self.region}: {self.state}"


class Watch(models.Model):
    """A monitor as detection sees it: its state after region quorum and flap damping,
    what a "down" means for its component, and the start of the current failure."""

    monitor = models.OneToOneField(
        "monitors.Monitor", on_delete=models.CASCADE, related_name="watch"
    )
    # What "down" makes the component (degraded is always degraded_performance).
    down_status = models.CharField(
        max_length=32,
        choices=[
            (ComponentStatus.MAJOR_OUTAGE, ComponentStatus.MAJOR_OUTAGE.label),
            (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.PARTIAL_OUTAGE.label),
        ],
        default=ComponentStatus.MAJOR_OUTAGE,
    )
    confirmed = models.CharField(
        max_length=16, choices=MonitorState.choices, default=MonitorState.UNKNOWN
    )
    state = models.CharField(
        max_length=16, choices=MonitorState.choices, default=MonitorState.UNKNOWN
    )
    changes = models.JSONField(default=list)  # ISO times of recent confirmed changes
    flapping = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmations = models.PositiveIntegerField(default=0)
    regions = models.JSONField(default=list)  # the regions that agreed
    # The first failing raw result of the current failure (cleared when up again).
    failing_since = models.DateTimeField(null=True, blank=True)
    failing_status = models.CharField(max_length=16, blank=True)
    failing_message = models.CharField(max_length=300, blank=True)
    failing_region = models.CharField(max_length=32, blank=True)

    def __str__(self) -> str:
        return f"{self.monitor_id}: {self.state}"


class Outage(models.Model):
    """One outage of one component: at most one incident, however many monitors fail."""

    component = models.ForeignKey(
        "status.Component", on_delete=models.CASCADE, related_name="outages"
    )
    incident = models.ForeignKey(
        "status.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outages",
    )
    status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    opened_at = models.DateTimeField()
    recovered_at = models.DateTimeField(null=True, blank=True)  # all monitors up since
    closed_at = models.DateTimeField(null=True, blank=True)
    alerted = models.BooleanField(default=False)  # auto-open off: operators alerted only
    set_component = models.BooleanField(default=False)  # degraded shown without an incident

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["component"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_outage_per_component",
            )
        ]

    def __str__(self) -> str:
        return f"outage of {self.component_id} since {self.opened_at:%Y-%m-%d %H:%M:%S}"


class Evidence(models.Model):
    """Why an outage was declared: one entry per monitor that failed in it."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="evidence")
    monitor = models.ForeignKey(
        "monitors.Monitor", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    monitor_name = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=MonitorState.choices)
    first_failure_at = models.DateTimeField()
    first_failure_status = models.CharField(max_length=16)
    first_failure_message = models.CharField(max_length=300, blank=True)
    confirmed_at = models.DateTimeField()
    confirmations = models.PositiveIntegerField()
    regions = models.JSONField(default=list)

    class Meta:
        ordering = ["confirmed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["outage", "monitor"], name="evidence_once_per_monitor")
        ]

    def __str__(self) -> str:
        return f"{self.monitor_name} {self.state} at {self.confirmed_at}"


class Heartbeat(models.Model):
    """A checker or worker process saying it is alive, every ``period_seconds``."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16)  # "checker" | "worker"
    period_seconds = models.FloatField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)  # a clean stop
    info = models.JSONField(default=dict)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
