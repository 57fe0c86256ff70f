"""Sign-in throttling: too many failures for a user name or an address lock it a while.

Counts live in Django's cache. With one web process the local-memory cache
suffices; with several, set AVISO_REDIS_URL so they share the counts.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _keys(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    address = request.META.get("REMOTE_ADDR", "")
    return [
        (f"console:login:user:{name}", settings.CONSOLE_LOGIN_MAX_FAILURES),
        (f"console:login:addr:{address}", settings.CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]


def is_locked(request: HttpRequest, username: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(request, username))


def record_failure(request: HttpRequest, username: str) -> None:
    window = settings.CONSOLE_LOGIN_WINDOW_SECONDS
    for key, _limit in _keys(request, username):
        # add() starts the window; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=window)


def clear(request: HttpRequest, username: str) -> None:
    # Only the user-name count: one person's success must not unlock a guessing address.
    cache.delete(_keys(request, username)[0][0])


def window_minutes() -> int:
    return max(settings.CONSOLE_LOGIN_WINDOW_SECONDS // 60, 1)
