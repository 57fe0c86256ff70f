"""A reminder to subscribers shortly before a scheduled maintenance starts.

Not an outbox event of ``status`` (nothing changed); a worker job notices the
window coming and writes one notice per (maintenance, start time), so a
rescheduled maintenance is reminded again and a re-run reminds nobody twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from aviso.lib.env import envint
from aviso.notify.choices import NoticeKind, SubscriberKind
from aviso.notify.fanout import insert_deliveries
from aviso.notify.models import Notice
from aviso.notify.notices import component_list, local_time, page_data
from aviso.notify.statuspage import maintenance_json, page_json, public_url
from aviso.status.choices import MaintenanceStatus
from aviso.status.models import Maintenance


def lead_time() -> dt.timedelta:
    minutes = getattr(settings, "NOTIFY_REMINDER_MINUTES", envint("AVISO_REMINDER_MINUTES", 60))
    return dt.timedelta(minutes=minutes)


def remind_maintenances(worker: str = "", now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    upcoming = Maintenance.objects.filter(
        status=MaintenanceStatus.SCHEDULED,
        scheduled_for__gt=now,
        scheduled_for__lte=now + lead_time(),
    ).select_related("page")
    did = False
    for maintenance in upcoming[:100]:
        ref = f"reminder:{maintenance.pk}:{maintenance.scheduled_for.isoformat()}"
        if Notice.objects.filter(ref=ref).exists():
            continue
        first = maintenance.updates.order_by("display_at", "id").first()
        if first is not None and not first.deliver_notifications:
            continue
        try:
            with transaction.atomic():
                notice = Notice.objects.create(
                    kind=NoticeKind.MAINTENANCE_REMINDER,
                    page=maintenance.page,
                    ref=ref,
                    data=_reminder_data(maintenance, now),
                )
                insert_deliveries(
                    f"n{notice.pk}",
                    notice,
                    maintenance.page_id,
                    (SubscriberKind.EMAIL, SubscriberKind.WEBHOOK, *SubscriberKind.chat_values()),
                    list(maintenance.components.values_list("id", flat=True)),
                )
        except IntegrityError:  # another worker wrote it first
            continue
        did = True
    return did


def _reminder_data(maintenance: Maintenance, now: dt.datetime) -> dict:
    page = maintenance.page
    update = maintenance.updates.order_by("-display_at", "-id").first()
    return {
        "page": page_data(page),
        "event_kind": "maintenance.reminder",
        "actor_kind": "system",
        "at": now.isoformat(),
        "at_local": local_time(now, page),
        "title": maintenance.name,
        "code": maintenance.code,
        "status": maintenance.status,
        "body": update.body if update else "",
        "url": public_url(page, "status:maintenance", maintenance.code),
        "scheduled_for": local_time(maintenance.scheduled_for, page),
        "scheduled_until": local_time(maintenance.scheduled_until, page),
        "components": component_list(maintenance.components.select_related("group")),
        "changes": [],
        "webhook": {"page": page_json(page), "incident": maintenance_json(maintenance)},
    }
