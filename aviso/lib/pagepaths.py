"""Page addresses shared by Django and the snapshot layer: ``/p/<slug>/`` paths and host names."""

from __future__ import annotations

import re

PREFIX = "/p/"
PAGE_PATH = re.compile(r"^/p/([-a-zA-Z0-9_]+)(/.*)?$")


def split_page(path: str) -> tuple[str | None, str]:
    """(slug, rest) for ``/p/<slug>/rest``; (None, path) for any other path (and ``/p/<slug>``)."""
    match = PAGE_PATH.match(path)
    if match is None or match.group(2) is None:
        return None, path
    return match.group(1), match.group(2)


def prefix_of(slug: str) -> str:
    return f"{PREFIX}{slug}"


def request_host(host: str) -> str:
    """A Host header's name without port or trailing dot, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    if ":" in host:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")
