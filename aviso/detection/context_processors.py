"""The console's liveness banner: silent processes and dead outbox events, queried only
when a template asks."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def liveness(request: HttpRequest) -> dict:
    from aviso.detection.liveness import silent
    from aviso.status.models import Event

    # Lazy: public pages never touch it, so their pinned query counts stay.
    return {
        "silent_processes": SimpleLazyObject(lambda: list(silent())),
        "dead_events": SimpleLazyObject(
            lambda: Event.objects.filter(dead_at__isnull=False).count()
        ),
    }
