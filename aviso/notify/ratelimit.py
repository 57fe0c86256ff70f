"""A fixed-window counter in the cache: enough to keep a form from being a mail cannon."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a proxy sets it.
    return request.META.get("REMOTE_ADDR", "unknown")


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
