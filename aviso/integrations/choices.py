"""Kinds of integration and how a firing alert shows on its component."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    GRAFANA = "grafana", _("Grafana alerting")
    WEBHOOK = "webhook", _("Generic JSON webhook")
    EMAIL = "email", _("Email (subject says DOWN or UP)")
    SLACK = "slack", _("Slack app")

    @classmethod
    def alert_values(cls) -> list[str]:
        """The kinds whose messages fire and resolve alerts on components."""
        return [cls.ALERTMANAGER, cls.GRAFANA, cls.WEBHOOK, cls.EMAIL]


class FiringStatus(models.TextChoices):
    """What a component becomes while an alert on it fires (a monitor's "down")."""

    MAJOR_OUTAGE = "major_outage", _("Major outage")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
