"""Integrations: alert sources with their routes to components, the payloads they
sent, and components mirrored from another status page."""

from __future__ import annotations

from django.db import models

from aviso.integrations.choices import IntegrationKind
from aviso.lib.ids import new_code
from aviso.status.choices import ComponentStatus

PAYLOADS_KEPT = 20


class Integration(models.Model):
    """One source of alerts (or the Slack app) for one page, with its own secret."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey("status.Page", on_delete=models.CASCADE, related_name="integrations")
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    name = models.CharField(max_length=200)
    secret = models.TextField()  # sealed (aviso.status.sealing); never shown after creation
    config = models.JSONField(default=dict)  # per kind, validated by aviso.integrations.configs
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AlertRoute(models.Model):
    """Alerts of one integration on one component, seen by detection as a push monitor.

    The monitor is a heartbeat that never goes quiet-down (its period is years):
    a firing alert is its ``/fail`` ping and a resolved one its success ping, so
    the checker's confirmations, detection's flap damping and its one incident
    per outage apply to alerts exactly as to any other monitor.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="routes")
    component = models.ForeignKey(
        "status.Component", on_delete=models.CASCADE, related_name="alert_routes"
    )
    monitor = models.OneToOneField(
        "monitors.Monitor", on_delete=models.CASCADE, related_name="alert_route"
    )

    class Meta:
        ordering = ["integration", "component"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "component"], name="route_once")
        ]

    def __str__(self) -> str:
        return f"{self.integration} -> {self.component}"


class FiringAlert(models.Model):
    """An alert firing now on a route; the route is down while it has any."""

    route = models.ForeignKey(AlertRoute, on_delete=models.CASCADE, related_name="firing")
    key = models.CharField(max_length=200)  # Alertmanager's fingerprint, or the labels
    summary = models.CharField(max_length=300, blank=True)
    since = models.DateTimeField()

    class Meta:
        ordering = ["since", "id"]
        constraints = [models.UniqueConstraint(fields=["route", "key"], name="firing_once")]

    def __str__(self) -> str:
        return f"{self.key} on {self.route_id}"


class Payload(models.Model):
    """One of the last ``PAYLOADS_KEPT`` messages an integration received, as received."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="payloads"
    )
    received_at = models.DateTimeField()
    body = models.TextField()  # at most MAX_KEPT_BODY characters
    accepted = models.BooleanField()
    outcome = models.CharField(max_length=500)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["integration", "received_at"], name="payload_recent")]

    def __str__(self) -> str:
        return f"{self.integration_id} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class Mirror(models.Model):
    """A component that shows a component of another Statuspage-style page."""

    component = models.OneToOneField(
        "status.Component", on_delete=models.CASCADE, related_name="mirror"
    )
    vendor = models.CharField(max_length=100)
    page_url = models.CharField(max_length=500)  # the vendor page's base URL
    upstream_id = models.CharField(max_length=64)
    upstream_name = models.CharField(max_length=200, blank=True)
    notify_subscribers = models.BooleanField(default=False)
    interval_seconds = models.PositiveIntegerField(default=300)
    next_poll_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    upstream_status = models.CharField(max_length=32, blank=True)
    # What the mirror last set; a component showing anything else was set by someone else.
    applied_status = models.CharField(max_length=32, choices=ComponentStatus.choices, blank=True)
    overridden = models.BooleanField(default=False)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["vendor", "id"]
        indexes = [models.Index(fields=["next_poll_at"], name="mirror_due")]

    def __str__(self) -> str:
        return f"{self.component_id} from {self.vendor}"
