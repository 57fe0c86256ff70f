from aviso.status.models.audience import Audience
from aviso.status.models.audit import AuditEntry, Event
from aviso.status.models.component import (
    Component,
    ComponentGroup,
    ComponentPlacement,
    ComponentStatusChange,
)
from aviso.status.models.incident import Incident, IncidentComponent, IncidentUpdate, Postmortem
from aviso.status.models.maintenance import Maintenance, MaintenanceUpdate
from aviso.status.models.outbox import HandlerRun
from aviso.status.models.page import Page
from aviso.status.models.viewer import ViewerLink, ViewerToken

__all__ = [
    "Audience",
    "AuditEntry",
    "Component",
    "ComponentGroup",
    "ComponentPlacement",
    "ComponentStatusChange",
    "Event",
    "HandlerRun",
    "Incident",
    "IncidentComponent",
    "IncidentUpdate",
    "Maintenance",
    "MaintenanceUpdate",
    "Page",
    "Postmortem",
    "ViewerLink",
    "ViewerToken",
]
