"""A fixed-window counter in the cache: enough to keep a form from being a mail cannon."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from aviso.lib.clientaddr import client_address as _behind_proxies


def client_address(request: HttpRequest) -> str:
    # X-Forwarded-For counts only as written by AVISO_TRUSTED_PROXIES: anyone can forge it.
    return _behind_proxies(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )


def allow(scope: str, who: str, limit: int, window: int) -> bool:
    """Count one hit; False once ``who`` made more than ``limit`` in this ``window``."""
    key = f"rl:{scope}:{who}:{int(time.time() // window)}"
    if cache.add(key, 1, window + 5):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window + 5)
        return True
