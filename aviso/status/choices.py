"""Every status, impact and kind the status domain knows, as Statuspage names them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED_PERFORMANCE = "degraded_performance", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    UNDER_MAINTENANCE = "under_maintenance", _("Under maintenance")

    @property
    def severity(self) -> int:
        """Ordering for "worst of": maintenance ranks above operational, below any trouble."""
        return _COMPONENT_SEVERITY[self]


_COMPONENT_SEVERITY = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


def worst_component_status(statuses) -> ComponentStatus:
    worst = ComponentStatus.OPERATIONAL
    for status in statuses:
        status = ComponentStatus(status)
        if status.severity > worst.severity:
            worst = status
    return worst


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.INVESTIGATING, cls.IDENTIFIED, cls.MONITORING]


class IncidentImpact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def active_values(cls) -> list[str]:
        return [cls.IN_PROGRESS, cls.VERIFYING]

    @classmethod
    def finished_values(cls) -> list[str]:
        return [cls.COMPLETED, cls.CANCELLED]


class PageIndicator(models.TextChoices):
    NONE = "none", _("All Systems Operational")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")
    MAINTENANCE = "maintenance", _("Maintenance")


class ActorKind(models.TextChoices):
    PERSON = "person", _("Person")
    API = "api", _("API")
    AUTOMATION = "automation", _("Automation")
    SYSTEM = "system", _("System")


class EventKind(models.TextChoices):
    """What the outbox records; notify and publish act on these."""

    INCIDENT_CREATED = "incident.created", _("Incident created")
    INCIDENT_UPDATED = "incident.updated", _("Incident updated")
    INCIDENT_RESOLVED = "incident.resolved", _("Incident resolved")
    INCIDENT_UPDATE_EDITED = "incident.update_edited", _("Incident update edited")
    INCIDENT_UPDATE_DELETED = "incident.update_deleted", _("Incident update deleted")
    INCIDENT_DELETED = "incident.deleted", _("Incident deleted")
    POSTMORTEM_PUBLISHED = "postmortem.published", _("Postmortem published")
    POSTMORTEM_UNPUBLISHED = "postmortem.unpublished", _("Postmortem unpublished")
    COMPONENT_STATUS_CHANGED = "component.status_changed", _("Component status changed")
    MAINTENANCE_SCHEDULED = "maintenance.scheduled", _("Maintenance scheduled")
    MAINTENANCE_STARTED = "maintenance.started", _("Maintenance started")
    MAINTENANCE_UPDATED = "maintenance.updated", _("Maintenance updated")
    MAINTENANCE_COMPLETED = "maintenance.completed", _("Maintenance completed")
    MAINTENANCE_CANCELLED = "maintenance.cancelled", _("Maintenance cancelled")
    PAGE_CHANGED = "page.changed", _("Page configuration changed")
    OPERATOR_ALERT = "operator.alert", _("Alert for operators only")
    OUTBOX_DEAD = "outbox.dead", _("An outbox handler gave up")
    VIEWER_LINK = "viewer.link", _("Sign-in link asked for a private page")
