"""Maintenance windows that start and end by themselves, run by the worker."""

from __future__ import annotations

import logging

from django.utils import timezone

from aviso.status.choices import MaintenanceStatus
from aviso.status.lifecycle import Actor, LifecycleError, complete_maintenance, start_maintenance
from aviso.status.models import Maintenance

log = logging.getLogger(__name__)
SCHEDULER = Actor.automation("maintenance scheduler")


def run_due_maintenances(worker: str = "", now=None) -> bool:
    now = now or timezone.now()
    did = False
    for maintenance in Maintenance.objects.filter(
        status=MaintenanceStatus.SCHEDULED, auto_start=True, scheduled_for__lte=now
    ).order_by("scheduled_for")[:100]:
        try:
            start_maintenance(maintenance, actor=SCHEDULER)
            did = True
        except LifecycleError:
            log.info("maintenance %s already moved on", maintenance.pk)
    for maintenance in Maintenance.objects.filter(
        status__in=MaintenanceStatus.active_values(), auto_complete=True, scheduled_until__lte=now
    ).order_by("scheduled_until")[:100]:
        try:
            complete_maintenance(maintenance, actor=SCHEDULER)
            did = True
        except LifecycleError:
            log.info("maintenance %s already moved on", maintenance.pk)
    return did
