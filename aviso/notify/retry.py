"""An operator gives a dead delivery a fresh set of tries (audited like any change)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from aviso.notify.choices import DeliveryState
from aviso.notify.models import Delivery
from aviso.status.lifecycle import Actor
from aviso.status.lifecycle.records import record


@transaction.atomic
def retry_dead(pk: int, *, actor: Actor) -> bool:
    """False when there is no dead delivery ``pk`` (sent, pending, or unknown)."""
    delivery = Delivery.objects.select_for_update().filter(pk=pk, state=DeliveryState.DEAD).first()
    if delivery is None:
        return False
    before = {"state": delivery.state, "attempts": delivery.attempts}
    Delivery.objects.filter(pk=pk).update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
    )
    record(
        actor,
        "delivery.retry",
        delivery,
        page=delivery.notice.page,
        before=before,
        after={"state": DeliveryState.PENDING, "attempts": 0},
        event=None,
    )
    return True
