"""Coalesced re-renders: every outbox event marks the snapshots dirty; the worker renders.

A burst of changes must not become a burst of renders. Each event only bumps a
counter (one UPDATE, in the event's own transaction); the worker's job renders
when the changes have paused for ``QUIET`` or, during a long burst, once the
oldest unrendered change is ``MAX_DELAY`` old. So 1,000 changes in a second
cost a handful of renders, and no page is more than about ``MAX_DELAY`` plus
one render plus the web layer's check interval behind. With no change at all
the site is still re-rendered every ``REFRESH`` (the uptime bars roll over at
midnight, the recent month at the month's end).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aviso.lib.env import envint, envstr
from aviso.publish.export import LEDGER, export_site
from aviso.publish.models import RenderState
from aviso.publish.render import live_history_windows, render_site, site_languages
from aviso.publish.store import SnapshotStore
from aviso.status.models import Event, Page

log = logging.getLogger(__name__)

SNAPSHOTS = "snapshots"
PUBLISH_DIR = "publish-dir"

QUIET = dt.timedelta(milliseconds=envint("AVISO_PUBLISH_QUIET_MS", 300))
MAX_DELAY = dt.timedelta(milliseconds=envint("AVISO_PUBLISH_MAX_DELAY_MS", 2000))
REFRESH = dt.timedelta(seconds=envint("AVISO_PUBLISH_REFRESH_SECONDS", 300))
LEASE = dt.timedelta(seconds=120)
RETRY = dt.timedelta(seconds=5)


def publish_dir() -> Path | None:
    """The directory ``aviso up --publish-dir`` asked the worker to keep current."""
    configured = envstr("AVISO_PUBLISH_DIR")
    return Path(configured) if configured else None


def render_snapshots() -> None:
    snapshots = render_site(windows=live_history_windows())
    SnapshotStore().write(
        snapshots,
        rendered_at=timezone.now().isoformat(),
        languages=site_languages(Page.default()),
    )


def render_publish_dir() -> None:
    directory = publish_dir()
    if directory is not None:
        export_site(directory)


RENDERERS: dict[str, Callable[[], None]] = {
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
    """The event handler: every event may change a public page or public JSON."""
    now = timezone.now()
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


def is_due(state: RenderState, now: dt.datetime) -> bool:
    if state.rendered_at is None and state.changed_at is None:
        return True  # first start with no change seen yet: render what there is
    if state.is_dirty:
        quiet = now - (state.changed_at or now) >= QUIET
        overdue = now - (state.dirty_since or now) >= MAX_DELAY
        return quiet or overdue
    return state.rendered_at is None or now - state.rendered_at >= REFRESH


def render_if_due(target: str, worker: str) -> bool:
    """Render ``target`` when it is due and no other worker holds it. True when rendered."""
    state = _state(target)
    now = timezone.now()
    if not is_due(state, now) and not MISSING[target]():
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


def render_due(worker: str) -> bool:
    """The worker job: render each target that is due."""
    did_work = False
    for target in targets():
        did_work = render_if_due(target, worker) or did_work
    return did_work
