"""``ALLOWED_HOSTS`` that follows the pages' domains.

Settings hold a ``PageHosts``: the configured names (``AVISO_ALLOWED_HOSTS``)
first, then every page's ``domain``. Django checks a Host by iterating the
list and stops at the first match, so a request for a configured name never
reads the database; a page's domain is read at most every ``TTL`` seconds per
process (and at once after a page change in this process, see ``forget``).
A database that cannot be read adds no names: only the configured ones pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

from django.db import DatabaseError

log = logging.getLogger(__name__)

TTL = 10.0  # seconds a process trusts its list of page domains

_lock = threading.Lock()
_cached: tuple[float, tuple[str, ...]] | None = None


def page_domains() -> tuple[str, ...]:
    """Every page's domain (cached for ``TTL``)."""
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < TTL:
        return cached[1]
    try:
        from aviso.status.models import Page  # settings import this module before apps load

        found = tuple(Page.objects.exclude(domain="").values_list("domain", flat=True))
    except DatabaseError:
        log.warning("could not read the pages' domains; only AVISO_ALLOWED_HOSTS pass")
        return ()
    except Exception:  # apps not loaded yet, or database access not allowed here (a test)
        return ()
    with _lock:
        _cached = (now, found)
    return found


def forget() -> None:
    """Drop the cached domains: the lifecycle calls this after a page change."""
    global _cached
    with _lock:
        _cached = None


class PageHosts(list):
    """A list of host patterns that also yields the pages' domains, read lazily."""

    def __iter__(self) -> Iterator[str]:
        yield from super().__iter__()
        yield from page_domains()

    def __contains__(self, item: object) -> bool:
        return list.__contains__(self, item) or item in page_domains()
