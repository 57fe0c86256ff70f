"""Monitors, their raw check results and the hourly roll-ups that outlive them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.utils import timezone

from aviso.lib.ids import new_code
from aviso.monitors.choices import CheckStatus, MonitorKind, MonitorState, PingKind

MIN_INTERVAL_SECONDS = 10
# Dependency chains longer than this are refused: detection walks them on every failure.
MAX_DEPENDENCY_DEPTH = 5


class Monitor(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    name = models.CharField(max_length=200)
    component = models.ForeignKey(
        "status.Component",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="monitors",
    )
    kind = models.CharField(max_length=16, choices=MonitorKind.choices)
    config = models.JSONField(default=dict)
    interval_seconds = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=10.0)
    confirmations_down = models.PositiveSmallIntegerField(default=2)
    confirmations_up = models.PositiveSmallIntegerField(default=1)
    # ",eu,us," (delimited so one LIKE finds a region on every database); "" runs anywhere.
    regions = models.CharField(max_length=200, blank=True, default="")
    paused = models.BooleanField(default=False)
    # While the monitor this one depends on is down, this one's failures are folded
    # into that outage (the bot platform waits on its database) instead of their own.
    depends_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependents",
    )

    # The confirmed state and the run of identical raw results that may change it.
    state = models.CharField(
        max_length=16, choices=MonitorState.choices, default=MonitorState.UNKNOWN
    )
    state_since = models.DateTimeField(null=True, blank=True)
    streak_status = models.CharField(max_length=16, choices=CheckStatus.choices, blank=True)
    streak = models.PositiveIntegerField(default=0)
    last_status = models.CharField(max_length=16, choices=CheckStatus.choices, blank=True)
    last_latency_ms = models.FloatField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_message = models.CharField(max_length=300, blank=True)
    # Probe memory between checks (the PostgreSQL probe's connection trend).
    probe_state = models.JSONField(null=True, blank=True)

    # Scheduling and the checker's lease on the row.
    next_due_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    # Heartbeat monitors: jobs call /ping/<ping_key>[/start|/fail].
    ping_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_ping_at = models.DateTimeField(null=True, blank=True)
    last_ping_kind = models.CharField(max_length=16, choices=PingKind.choices, blank=True)
    last_start_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["paused", "next_due_at"], name="monitor_due"),
            models.Index(fields=["name", "id"], name="monitor_name"),
            models.Index(fields=["state", "name"], name="monitor_state_name"),
            models.Index(fields=["kind", "name"], name="monitor_kind_name"),
            models.Index(fields=["component", "name"], name="monitor_component_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]

    def runs_in(self, region: str | None) -> bool:
        return not self.regions or (region is not None and f",{region}," in self.regions)

    def is_due(self, now: dt.datetime | None = None) -> bool:
        return not self.paused and self.next_due_at <= (now or timezone.now())

    @property
    def typed_config(self):
        from aviso.monitors.configs import open_config

        return open_config(self.kind, self.config)


def encode_regions(regions: list[str]) -> str:
    cleaned = sorted({r.strip().lower() for r in regions if r.strip()})
    return f",{','.join(cleaned)}," if cleaned else ""


class Result(models.Model):
    """One check. Kept ``MONITOR_RESULT_RETENTION_DAYS``; the roll-ups keep the rest."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="results")
    due_at = models.DateTimeField()  # the schedule slot; with the monitor, unique
    checked_at = models.DateTimeField()  # when the check started (lag = checked_at - due_at)
    status = models.CharField(max_length=16, choices=CheckStatus.choices)
    latency_ms = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    region = models.CharField(max_length=32, blank=True)
    metrics = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            # A check never runs (nor is stored) twice for one schedule slot; a monitor
            # listing regions has one schedule per region (MonitorRegionSlot).
            models.UniqueConstraint(
                fields=["monitor", "due_at", "region"], name="result_once_per_slot"
            )
        ]
        indexes = [
            models.Index(fields=["due_at"], name="result_due_at"),
            # /metrics reads the last minutes' checks; with these three columns in the index
            # it never touches the table (50,000 monitors: bench/metrics_scrape.py).
            models.Index(fields=["checked_at", "due_at", "latency_ms"], name="result_checked_at"),
        ]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.due_at:%Y-%m-%d %H:%M:%S} {self.status}"


class MonitorRegionSlot(models.Model):
    """The schedule and lease of one region's checks of a monitor that lists regions.

    Such a monitor is checked once per interval by each listed region, so each
    region needs its own ``next_due_at`` and lease; monitors with no regions
    keep both on their own row. Kept in sync by the monitors lifecycle.
    """

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="region_slots")
    region = models.CharField(max_length=32)
    next_due_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["monitor", "region"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "region"], name="region_slot_once")
        ]
        indexes = [models.Index(fields=["region", "next_due_at"], name="region_slot_due")]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.region}"


class Rollup(models.Model):
    """One monitor's hour: counts by status and latency statistics. Kept forever."""

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="rollups")
    hour = models.DateTimeField()
    up = models.PositiveIntegerField(default=0)
    degraded = models.PositiveIntegerField(default=0)
    down = models.PositiveIntegerField(default=0)
    latency_min = models.FloatField(null=True, blank=True)
    latency_avg = models.FloatField(null=True, blank=True)
    latency_max = models.FloatField(null=True, blank=True)
    latency_p95 = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["hour"]
        constraints = [
            models.UniqueConstraint(fields=["monitor", "hour"], name="rollup_once_per_hour")
        ]
        indexes = [models.Index(fields=["hour"], name="rollup_hour")]

    def __str__(self) -> str:
        return f"{self.monitor_id} {self.hour:%Y-%m-%d %H:00}"

    @property
    def total(self) -> int:
        return self.up + self.degraded + self.down


class RollupCursor(models.Model):
    """How far the hourly roll-up has got: every hour before ``rolled_until`` is done."""

    name = models.CharField(max_length=32, unique=True)
    rolled_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.rolled_until}"
