"""The console's liveness banner: silent processes, queried only when a template asks."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def liveness(request: HttpRequest) -> dict:
    from aviso.detection.liveness import silent

    # Lazy: public pages never touch it, so their pinned query counts stay.
    return {"silent_processes": SimpleLazyObject(lambda: list(silent()))}
