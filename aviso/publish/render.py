"""Rendering the public site by URL, through the Django app itself.

Each public URL is rendered by handing a GET request to Django's own handler
(middleware, URL resolver, view), so a snapshot is byte for byte what Django
would have answered. URLs that no view answers yet are skipped, so pages added
later (feeds, badges, the v2 JSON) are picked up without a change here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.db.models import Min, Q
from django.urls import Resolver404, resolve
from django.utils import timezone

from aviso.lib.env import envint
from aviso.lib.languages import DEFAULT, prefixed
from aviso.lib.timezones import add_months, month_bounds
from aviso.publish.store import Snapshot, page_key
from aviso.status import links
from aviso.status.choices import IncidentStatus, MaintenanceStatus
from aviso.status.history import current_month
from aviso.status.languages import page_languages
from aviso.status.models import Page
from aviso.status.reports import PUBLIC_MONTHS
from aviso.status.routing import first_page_flag, page_path_prefix
from aviso.status.showing import page_incidents, page_maintenances, shown_components

log = logging.getLogger(__name__)

# The Statuspage-compatible JSON and the feeds and badges; skipped while no view answers them.
API_PATHS = [
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
]
FEED_PATHS = ["/history.atom", "/history.rss", "/maintenance.ics", "/badge.svg", "/widget.js"]

# Response headers a snapshot replays (CORS on the JSON, the security headers);
# the rest (cookies, Vary, lengths, validators) the snapshot layer sets itself.
KEPT_HEADERS = {
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "content-language",
    "content-disposition",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "link",
}


def live_history_windows() -> int:
    """How many three-month history windows the live snapshots hold (older ones go to Django)."""
    return max(1, envint("AVISO_PUBLISH_HISTORY_WINDOWS", 4))


_handler: WSGIHandler | None = None


def _django() -> WSGIHandler:
    global _handler
    if _handler is None:
        _handler = WSGIHandler()
    return _handler


def _environ(site_path: str, *, export: bool) -> dict:
    base = urlsplit(settings.BASE_URL)
    path, _, query = site_path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": base.hostname or "127.0.0.1",
        "SERVER_PORT": str(base.port or (443 if base.scheme == "https" else 80)),
        "HTTP_HOST": base.netloc or "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": base.scheme or "http",
        "wsgi.input": _EmptyInput(),
        "wsgi.errors": _EmptyInput(),
    }
    if export:
        environ[links.EXPORT_FLAG] = "1"
    return environ


class _EmptyInput:
    def read(self, *args) -> bytes:
        return b""

    def readline(self, *args) -> bytes:
        return b""

    def write(self, data) -> None:
        log.warning("wsgi.errors during a render: %s", data)

    def flush(self) -> None:
        pass


def render_path(
    site_path: str,
    *,
    export: bool = False,
    language: str | None = None,
    key: str | None = None,
    page_prefix: str = "",
) -> Snapshot | None:
    """Django's answer to ``GET site_path`` (in ``language``) as a snapshot filed under ``key``.

    None unless it is a 200. A language is asked for by its path prefix, as a
    reader's permanent address does, so the answer is that language whatever
    the worker's own settings; a page other than the first by its ``/p/<slug>``
    prefix (``page_prefix``), so the host does not matter either.
    """
    try:
        resolve(site_path.partition("?")[0])
    except Resolver404:
        return None
    asked = page_prefix + (prefixed(language, site_path) if language else site_path)
    # get_response, not the WSGI call: no request_started/finished signals, so the
    # caller's database connection (and a test's transaction) is left alone.
    response = _django().get_response(WSGIRequest(_environ(asked, export=export)))
    if response.status_code != 200:
        if response.status_code != 404:
            # A 400 here usually means AVISO_BASE_URL's host is not in AVISO_ALLOWED_HOSTS.
            log.warning("not snapshotting %s: Django answered %s", site_path, response.status_code)
        return None
    body = b"".join(response) if response.streaming else response.content
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() in KEPT_HEADERS
    )
    content_type = response.get("Content-Type", "application/octet-stream")
    return Snapshot.build(key or site_path, body, content_type, headers)


def public_paths(
    page: Page | None, *, windows: int | None, now: dt.datetime | None = None
) -> list[str]:
    """Every public URL of the site: all history when ``windows`` is None, else that many."""
    if page is None:
        return ["/"]
    now = now or timezone.now()
    count = settings.HISTORY_MONTHS_PER_PAGE
    present = current_month(page, now)
    every_window = _windows_back_to_oldest(page, present, count)
    windows = every_window if windows is None else windows
    throughs = [add_months(*present, -count * i) for i in range(windows)]
    oldest_start, _ = month_bounds(*add_months(*throughs[-1], -(count - 1)), page.zone)

    paths = ["/", "/history"]
    paths += [f"/history?through={year:04d}-{month:02d}" for year, month in throughs]
    incidents = page_incidents(page)
    maintenances = page_maintenances(page)
    if windows < every_window:
        incidents = incidents.filter(
            Q(started_at__gte=oldest_start) | Q(status__in=IncidentStatus.open_values())
        )
        maintenances = maintenances.filter(
            Q(scheduled_for__gte=oldest_start) | ~Q(status__in=MaintenanceStatus.finished_values())
        )
    paths += [f"/incidents/{code}" for code in incidents.values_list("code", flat=True)]
    paths += [f"/maintenances/{code}" for code in maintenances.values_list("code", flat=True)]
    paths += FEED_PATHS
    paths += uptime_paths(page, now)
    paths += brand_paths(page)
    paths += [
        f"/components/{code}/badge.svg"
        for code in shown_components(page).values_list("code", flat=True)
    ]
    paths += API_PATHS
    return paths


def uptime_paths(page: Page, now: dt.datetime) -> list[str]:
    """The uptime report (the present month) and every month the public report shows."""
    present = current_month(page, now)
    months = [add_months(*present, -i) for i in range(PUBLIC_MONTHS)]
    return ["/uptime"] + [f"/uptime?month={year:04d}-{month:02d}" for year, month in months]


def brand_paths(page: Page) -> list[str]:
    """The page's branding files, those it has."""
    found = ["/brand.css"] if page.has_brand_css else []
    return found + [f"/brand/{kind}" for kind in ("logo", "favicon") if getattr(page, kind)]


def _oldest_notice(page: Page) -> dt.datetime | None:
    first_incident = page_incidents(page).aggregate(at=Min("started_at"))["at"]
    first_maintenance = page_maintenances(page).aggregate(at=Min("scheduled_for"))["at"]
    found = [at for at in (first_incident, first_maintenance) if at is not None]
    return min(found) if found else None


def _windows_back_to_oldest(page: Page, present: tuple[int, int], count: int) -> int:
    oldest = _oldest_notice(page)
    if oldest is None:
        return 1
    local = oldest.astimezone(page.zone)
    months = (present[0] - local.year) * 12 + present[1] - local.month
    return max(1, months // count + 1)


def site_languages(page: Page | None) -> list[str]:
    """The languages the page is rendered in, its first (the bare paths' default) first."""
    return page_languages(page) if page is not None else [DEFAULT]


def published_pages() -> list[Page]:
    """The pages that have public snapshots and a static export, the first page first.

    Each carries ``is_first`` (see ``aviso.status.routing``)."""
    return list(published_queryset())


def published_queryset():
    # A private page is never in a snapshot or the export: Django answers it, signed in.
    pages = Page.objects.annotate(is_first=first_page_flag()).filter(private=False)
    return pages.order_by("position", "id")


def render_site(
    *,
    windows: int | None,
    export: bool = False,
    languages: list[str] | None = None,
    only: set[str] | None = None,
    page: Page | None = None,
) -> list[Snapshot]:
    """Render every public URL (see ``public_paths``) of ``page`` (the first page when not
    given) in each of the page's languages.

    Only the page's own languages are rendered (``languages`` narrows them further;
    the static export takes the first), and only the paths in ``only`` when given
    (an incremental render). Each snapshot is filed under
    ``page_key(prefix, language, path)``. Paths that are not a 200 are skipped.
    """
    if page is None:
        pages = published_pages()
        page = pages[0] if pages else None
    paths = public_paths(page, windows=windows)
    if only is not None:
        paths = [path for path in paths if path in only]
    return render_paths(page, paths, export=export, languages=languages)


def render_paths(
    page: Page | None,
    paths: list[str],
    *,
    export: bool = False,
    languages: list[str] | None = None,
) -> list[Snapshot]:
    """Render ``paths`` of ``page`` in each of its languages (narrowed by ``languages``)."""
    every = site_languages(page)
    codes = [code for code in every if languages is None or code in languages]
    prefix = page_path_prefix(page) if page is not None else ""
    # The present window is linked both as /history and as /history?through=<this month>;
    # the two are the same page, so it is rendered once.
    present = None
    if page is not None:
        year, month = current_month(page)
        present = f"/history?through={year:04d}-{month:02d}"
    snapshots: list[Snapshot] = []
    for code in codes:
        history: Snapshot | None = None
        for path in paths:
            key = page_key(prefix, code, path, every)
            if path == present and history is not None:
                snapshots.append(replace(history, path=key))
                continue
            snap = render_path(path, export=export, language=code, key=key, page_prefix=prefix)
            if snap is not None:
                snapshots.append(snap)
                if path == "/history":
                    history = snap
    return snapshots
