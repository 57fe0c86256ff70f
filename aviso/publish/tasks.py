"""Coalesced re-renders: every outbox event marks the snapshots dirty; the worker renders.

A burst of changes must not become a burst of renders. Each event only bumps a
counter (one UPDATE, in the event's own transaction); the worker's job renders
when the changes have paused for ``QUIET`` or, during a long burst, once the
oldest unrendered change is ``MAX_DELAY`` old. So 1,000 changes in a second
cost a handful of renders, and no page is more than about ``MAX_DELAY`` plus
one render plus the web layer's check interval behind.

With no change for ``REFRESH``, the pages that move with time alone are
rendered again (the front page's uptime bars and response-time charts, the
uptime reports, the JSON and feeds: ``touched.TIMED_PATHS``), with a slice of
the rest, so every snapshot is rendered afresh about once every
``SWEEP_HOURS``. A full render (every path at once: a minute and a half at
10,000 incidents on a small machine, during which no change is published) is
left for the first start, an upgrade, a setting that touches everything and
the month's end. (A page whose changes never pause for ``REFRESH`` skips the
sweep's slices meanwhile; every path a change touches is rendered anyway.)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import aviso
from aviso.lib.env import envint, envstr
from aviso.publish.export import LEDGER, export_site
from aviso.publish.models import PendingRender, RenderState
from aviso.publish.render import (
    live_history_windows,
    public_paths,
    published_pages,
    render_paths,
    site_languages,
)
from aviso.publish.store import Manifest, Snapshot, SnapshotStore, page_key
from aviso.publish.touched import event_scope, merge, narrow, timed_paths, touched_paths
from aviso.status import fragments
from aviso.status.claims import claimable
from aviso.status.models import Event, Page
from aviso.status.routing import page_path_prefix
from aviso.status.worker import come_back_in, nudge, pending_events

log = logging.getLogger(__name__)

SNAPSHOTS = "snapshots"
PUBLISH_DIR = "publish-dir"

QUIET = dt.timedelta(milliseconds=envint("AVISO_PUBLISH_QUIET_MS", 300))
MAX_DELAY = dt.timedelta(milliseconds=envint("AVISO_PUBLISH_MAX_DELAY_MS", 2000))
REFRESH = dt.timedelta(seconds=envint("AVISO_PUBLISH_REFRESH_SECONDS", 300))
# How long a change's render waits while the outbox still holds events to handle.
OUTBOX_WAIT = dt.timedelta(milliseconds=envint("AVISO_PUBLISH_OUTBOX_WAIT_MS", 10_000))
SWEEP_HOURS = max(1, envint("AVISO_PUBLISH_SWEEP_HOURS", 24))
LEASE = dt.timedelta(seconds=120)
LANE = "publish"  # the worker lane renders run on (aviso.status.worker)
RETRY = dt.timedelta(seconds=5)


def publish_dir() -> Path | None:
    """The directory ``aviso up --publish-dir`` asked the worker to keep current."""
    configured = envstr("AVISO_PUBLISH_DIR")
    return Path(configured) if configured else None


@functools.cache
def render_version() -> str:
    """A fingerprint of the code and templates that render snapshots.

    A set rendered by other code is not built on: the first render after an
    upgrade (or an edited template) is a full one. Taken once per process.
    """
    root = Path(aviso.__file__).parent
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and "tests" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _builds_on(previous: Manifest | None, slug: str, prefix: str, languages: list[str]) -> bool:
    """Whether an incremental render of one page may keep entries of ``previous``."""
    if previous is None or previous.version != render_version():
        return False
    info = previous.pages.get(slug)
    if info is None or info.get("languages") != languages or info.get("prefix") != prefix:
        return False
    if not previous.full_at:
        return False
    # No age limit: the periodic refreshes sweep every path (``sweep_slice``). A
    # full render forced by age would stall the first change after a quiet day
    # (a minute and a half at 10,000 incidents) at the worst moment.
    return True


def sweep_slice(paths: list[str], now: dt.datetime) -> set[str]:
    """This refresh's share of ``paths``: consecutive refreshes walk through them all
    about once every ``SWEEP_HOURS`` (the safety net for what no event says moved)."""
    refreshes = max(1, int(SWEEP_HOURS * 3600 // max(1.0, REFRESH.total_seconds())))
    size = -(-len(paths) // refreshes)  # rounded up
    slot = int(now.timestamp() // max(1.0, REFRESH.total_seconds())) % refreshes
    return set(sorted(paths)[slot * size : (slot + 1) * size])


def page_domains() -> dict[str, str]:
    """Every page's domain and slug, private pages' too (see ``Manifest.domains``)."""
    return dict(Page.objects.exclude(domain="").values_list("domain", "slug"))


# What readers look at first in an incident: written as a set of its own before the
# rest of an incremental render (history windows, feeds, reports, badges), so a
# change reaches them in the time these few take to render.
FIRST_PATHS = frozenset(
    {
        "/",
        "/api/v2/summary.json",
        "/api/v2/status.json",
        "/api/v2/components.json",
        "/api/v2/incidents/unresolved.json",
        "/badge.svg",
    }
)


def _first(path: str) -> bool:
    return path in FIRST_PATHS or path.startswith("/incidents/")


def render_snapshots(*, full: bool = False) -> list[str]:
    """Render the snapshots the pending changes touched (all of them when ``full``,
    when nothing is pending, or when the stored set cannot be built on).

    An incremental render stores two sets: first the touched ``FIRST_PATHS`` and
    incident pages, then the rest, each set whole (the second holds the first's
    new entries). Returns the keys rendered.
    """
    store = SnapshotStore()
    pages = published_pages()
    now = timezone.now()
    pending = list(PendingRender.objects.filter(target=SNAPSHOTS).values_list("id", "scope"))
    # Nothing pending: the periodic refresh (or a first start, which builds on nothing).
    scope = merge(s for _, s in pending) if pending else {"timed": True}
    if full:
        scope = {"all": True}
    previous = store.read_manifest()
    # Per page: (page, paths to render, keys kept from the last set), or None when full.
    plans: list[tuple[Page, list[str], set[str] | None]] = []
    for page in pages:
        languages = site_languages(page)
        prefix = page_path_prefix(page)
        paths = public_paths(page, windows=live_history_windows(), now=now)
        if not scope.get("all") and _builds_on(previous, page.slug, prefix, languages):
            entries = previous.entries

            def listed(path: str, prefix=prefix, languages=languages, entries=entries) -> bool:
                return page_key(prefix, languages[0], path, languages) in entries

            touched = touched_paths(narrow(scope, page, listed), paths, page)
            if scope.get("timed"):
                touched |= timed_paths(paths, page) | sweep_slice(paths, now)
            throughs = {p for p in paths if p.startswith("/history?through=")}
            if {prefix + p for p in throughs} - previous.entries.keys():
                touched = set(paths)  # the present month moved on: every window shifts
            # Paths new since the last set (a new incident) are rendered too.
            touched |= {p for p in paths if page_key(prefix, languages[0], p, languages)
                        not in previous.entries}  # fmt: skip
            kept = {
                page_key(prefix, code, path, languages)
                for path in paths
                if path not in touched
                for code in languages
            }
            plans.append((page, [p for p in paths if p in touched], kept))
        else:
            fragments.clear()  # a full render renders every notice afresh
            plans.append((page, paths, None))
    every_page_full = all(kept is None for _, _, kept in plans)
    if every_page_full:
        snapshots = [snap for page, paths, _ in plans for snap in render_paths(page, paths)]
        _write(store, pages, now, snapshots, kept=None)
    else:
        first = [snap for page, paths, _ in plans for snap in
                 render_paths(page, [p for p in paths if _first(p)])]  # fmt: skip
        written = {snap.path for snap in first}
        kept = set().union(*(k for _, _, k in plans if k is not None))
        # Until the second set, the rest of what is touched stays as it was.
        waiting = {key for key in previous.entries if key not in kept and key not in written}
        _write(store, pages, now, first, kept=kept | waiting)
        log.info("stored the first %d snapshots %.2f s into the render", len(first),
                 (timezone.now() - now).total_seconds())  # fmt: skip
        rest = [snap for page, paths, _ in plans for snap in
                render_paths(page, [p for p in paths if not _first(p)])]  # fmt: skip
        snapshots = first + rest
        _write(store, pages, now, rest, kept=kept | written)
    # Exactly the rows read: one committed meanwhile (even with a lower id) waits for the next.
    taken = [pk for pk, _ in pending]
    for start in range(0, len(taken), 500):
        PendingRender.objects.filter(pk__in=taken[start : start + 500]).delete()
    return [snap.path for snap in snapshots]


def _write(
    store: SnapshotStore,
    pages: list[Page],
    now: dt.datetime,
    snapshots: list[Snapshot],
    kept: set[str] | None,
) -> None:
    first = pages[0] if pages else None
    store.write(
        snapshots,
        rendered_at=now.isoformat(),
        languages=site_languages(first),
        kept=kept,
        version=render_version(),
        pages={
            page.slug: {"prefix": page_path_prefix(page), "languages": site_languages(page)}
            for page in pages
        },
        domains=page_domains(),
        first=first.slug if first is not None else "",
    )


def render_publish_dir() -> None:
    directory = publish_dir()
    if directory is not None:
        export_site(directory)


RENDERERS: dict[str, Callable[[], object]] = {
    SNAPSHOTS: render_snapshots,
    PUBLISH_DIR: render_publish_dir,
}


def _snapshots_missing() -> bool:
    return not SnapshotStore().manifest_path.exists()


def _publish_dir_missing() -> bool:
    directory = publish_dir()
    return directory is not None and not (directory / LEDGER).exists()


# A target whose output is gone (a new data dir, a wiped folder) is rendered at once.
MISSING: dict[str, Callable[[], bool]] = {
    SNAPSHOTS: _snapshots_missing,
    PUBLISH_DIR: _publish_dir_missing,
}


def targets() -> list[str]:
    return [SNAPSHOTS, PUBLISH_DIR] if publish_dir() else [SNAPSHOTS]


def _state(target: str) -> RenderState:
    state, _ = RenderState.objects.get_or_create(target=target)
    return state


def mark_dirty(event: Event | None = None) -> None:
    """The event handler: note what ``event`` touched and bump the render counters."""
    scope = event_scope(event)
    if not scope:
        return  # an operators-only event: no public page changes
    now = timezone.now()
    PendingRender.objects.create(target=SNAPSHOTS, scope=scope)
    for target in targets():
        bumped = RenderState.objects.filter(target=target).update(
            wanted=F("wanted") + 1,
            changed_at=now,
            dirty_since=Coalesce(F("dirty_since"), Value(now, output_field=DateTimeField())),
        )
        if not bumped:
            RenderState.objects.get_or_create(
                target=target, defaults={"changed_at": now, "dirty_since": now}
            )
    nudge(LANE)


def is_due(state: RenderState, now: dt.datetime) -> bool:
    if state.rendered_at is None and state.changed_at is None:
        return True  # first start with no change seen yet: render what there is
    if state.is_dirty:
        quiet = now - (state.changed_at or now) >= QUIET
        overdue = now - (state.dirty_since or now) >= MAX_DELAY
        return quiet or overdue
    return state.rendered_at is None or now - state.rendered_at >= REFRESH


def seconds_until_due(state: RenderState, now: dt.datetime) -> float:
    """How long a dirty target still waits: the rest of its quiet period, or of MAX_DELAY."""
    quiet = QUIET - (now - (state.changed_at or now))
    overdue = MAX_DELAY - (now - (state.dirty_since or now))
    return max(0.0, min(quiet, overdue).total_seconds())


def render_if_due(target: str, worker: str) -> bool:
    """Render ``target`` when it is due and no other worker holds it. True when rendered."""
    state = _state(target)
    now = timezone.now()
    if not is_due(state, now) and not MISSING[target]():
        if state.is_dirty:  # come back the moment its quiet period (or the longest wait) ends
            come_back_in(LANE, seconds_until_due(state, now))
        return False
    waited = now - (state.dirty_since or now)
    if state.is_dirty and waited < OUTBOX_WAIT and _outbox_busy(now) and not MISSING[target]():
        # Notices first. A render holds the worker process's CPU (its lanes share one
        # interpreter), and in a broad outage the events still waiting are the fan-out
        # of incidents nobody has been told of yet; each would also make this render
        # stale. Measured (bench/mass_outage.py, 2,000 monitors, 50 components out,
        # five interleaved pairs): the slowest notice 10.3 s before, 6.5 s after
        # (medians), ahead in every pair (bench/RESULTS.md).
        come_back_in(LANE, 0.1)
        return False
    # Our own claim is free too: a render cut short by a database outage must not
    # leave this worker waiting out its own lease.
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=worker)
    if not RenderState.objects.filter(Q(pk=state.pk) & free).update(
        claimed_by=worker, claimed_until=now + LEASE
    ):
        return False
    rows = RenderState.objects.filter(pk=state.pk)
    wanted = rows.values_list("wanted", flat=True).get()
    started = timezone.now()
    try:
        RENDERERS[target]()
    except Exception:
        log.exception("rendering %s failed; the last snapshots stay in place", target)
        rows.update(
            last_error=traceback.format_exc()[-4000:],
            claimed_by="",
            claimed_until=timezone.now() + RETRY,
        )
        return False
    rows.update(
        rendered=wanted,
        rendered_at=started,
        renders=F("renders") + 1,
        last_error="",
        claimed_by="",
        claimed_until=None,
    )
    # Changes that arrived while rendering keep the target dirty, counted from now.
    rows.filter(wanted=wanted).update(dirty_since=None)
    rows.exclude(wanted=wanted).update(dirty_since=started)
    return True


def _outbox_busy(now: dt.datetime) -> bool:
    """Whether outbox events wait to be handled now (not those waiting out a retry)."""
    return claimable(pending_events(), now).exists()


def render_due(worker: str) -> bool:
    """The worker job: render each target that is due."""
    did_work = False
    for target in targets():
        did_work = render_if_due(target, worker) or did_work
    return did_work
