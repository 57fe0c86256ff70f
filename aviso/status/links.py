"""Links on the public pages that work from any sub-path, live or exported.

Public templates write site paths (``/history``, ``/incidents/<code>``); the
``site_link`` tag turns them into links relative to the page being rendered,
so the same HTML works at ``/`` and behind a proxy at ``/status/``. When a page
is rendered for a static export (``aviso publish``), pages become files
(``history.html``, ``incidents/<code>.html``) and links point at those files;
paths that only the live app can answer (subscribe, console) point at
``AVISO_BASE_URL``.
"""

from __future__ import annotations

import posixpath
import re

from django.conf import settings
from django.http import HttpRequest

# Set in a request's META by the static exporter.
EXPORT_FLAG = "aviso.export"

_HISTORY_WINDOW = re.compile(r"^/history\?through=(\d{4}-\d{2})$")
_UPTIME_MONTH = re.compile(r"^/uptime\?month=(\d{4}-\d{2})$")
_DETAIL = re.compile(r"^/(incidents|maintenances)/([A-Za-z0-9_-]+)$")


def export_file(site_path: str) -> str | None:
    """The file a site path is written to by the static export, or None when it is not."""
    if site_path == "/":
        return "index.html"
    if site_path == "/history":
        return "history.html"
    if match := _HISTORY_WINDOW.match(site_path):
        return f"history-{match.group(1)}.html"
    if site_path == "/uptime":
        return "uptime.html"
    if match := _UPTIME_MONTH.match(site_path):
        return f"uptime-{match.group(1)}.html"
    if match := _DETAIL.match(site_path):
        return f"{match.group(1)}/{match.group(2)}.html"
    path = site_path.split("?", 1)[0]
    if path.startswith("/brand/"):
        return path.lstrip("/")  # the logo and favicon
    if "." in posixpath.basename(path):
        return path.lstrip("/")  # feeds, JSON, badges, stylesheets keep their names
    return None


def is_export(request: HttpRequest | None) -> bool:
    return bool(request is not None and request.META.get(EXPORT_FLAG))


def _current_dir(request: HttpRequest) -> str:
    if is_export(request):
        query = request.META.get("QUERY_STRING", "")
        current = export_file(request.path_info + (f"?{query}" if query else "")) or "index.html"
        return posixpath.dirname("/" + current)
    return posixpath.dirname(request.path_info)


def _relative(target: str, start: str) -> str:
    path, sep, query = target.partition("?")
    rel = posixpath.relpath(path, start)
    if path.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel + sep + query


def relative_from(target: str, current_path: str) -> str:
    """``target`` as a link from the page at ``current_path`` (both site paths)."""
    return _relative(target, posixpath.dirname(current_path))


def site_link(request: HttpRequest | None, site_path: str) -> str:
    """``site_path`` (starting with ``/``) as a link from the page ``request`` renders."""
    if request is None:
        return site_path
    if is_export(request):
        target = export_file(site_path)
        if target is None:
            return settings.BASE_URL + getattr(request, "page_prefix", "") + site_path
        return _relative("/" + target, _current_dir(request))
    return _relative(site_path, _current_dir(request))


def static_link(request: HttpRequest | None, url: str) -> str:
    """A static file's URL; relative (under ``static/``) in a static export."""
    if is_export(request) and url.startswith("/") and not url.startswith("//"):
        return _relative(url, _current_dir(request))
    return url
