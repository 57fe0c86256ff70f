"""Third-party components: mirror a component of another Statuspage-style page.

The worker's job polls each due mirror's ``/api/v2/components.json`` through
``aviso.lib.http.fetch`` (every address checked by the outbound guard), sends
the ETag it got last (a 304 costs nothing), and sets the component to the
vendor's status through the status lifecycle as "status from <vendor>".
Subscribers hear of it only when the operator chose so for that mirror.

A person wins: when the component shows a status the mirror did not set (a
person changed it in the console, or an incident did), the mirror stops
touching it until someone resumes it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.integrations.models import Mirror
from aviso.lib.http import OutboundError, fetch, url_problem
from aviso.lib.netguard import BlockedAddress, Policy, check_host
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.lifecycle.records import record, snapshot
from aviso.status.models import Component

log = logging.getLogger(__name__)

TIMEOUT = 10.0
MAX_BYTES = 2_000_000
MIN_INTERVAL = 30
ERROR_BACKOFF = 4  # a failing vendor is asked again after this many intervals
AUDITED = ["component", "vendor", "page_url", "upstream_id", "notify_subscribers",
           "interval_seconds", "overridden"]  # fmt: skip


def policy() -> Policy:
    return Policy(block_private=settings.OUTBOUND_BLOCK_PRIVATE, allow=settings.OUTBOUND_ALLOW)


def components_url(page_url: str) -> str:
    base = page_url.rstrip("/")
    base = base if base.endswith("/api/v2") else f"{base}/api/v2"
    return f"{base}/components.json"


def actor_for(mirror: Mirror) -> Actor:
    return Actor.automation(f"status from {mirror.vendor}")


def _validate(component, vendor: str, page_url: str, upstream_id: str, interval: int) -> dict:
    errors: dict[str, str] = {}
    if not isinstance(component, Component):
        errors["component"] = _("Not a component.")
    elif Mirror.objects.filter(component=component).exists():
        errors["component"] = _("This component mirrors a vendor already.")
    if not (vendor or "").strip():
        errors["vendor"] = _("Name the vendor (shown as “status from …”).")
    page_url = (page_url or "").strip()
    problem = url_problem(page_url) if page_url.startswith(("http://", "https://")) else (
        _("An http:// or https:// address."))  # fmt: skip
    if problem:
        errors["page_url"] = problem
    else:
        from urllib.parse import urlsplit

        try:
            check_host(urlsplit(page_url).hostname or "", policy())
        except BlockedAddress as error:
            errors["page_url"] = str(error)
    if not (upstream_id or "").strip():
        errors["upstream_id"] = _("The vendor's component id.")
    if not isinstance(interval, int) or interval < MIN_INTERVAL:
        errors["interval_seconds"] = _("At least %(n)s seconds.") % {"n": MIN_INTERVAL}
    if errors:
        raise LifecycleError(errors)
    return {"vendor": vendor.strip()[:100], "page_url": page_url,
            "upstream_id": upstream_id.strip()}  # fmt: skip


def create_mirror(
    *,
    actor: Actor,
    component: Component,
    vendor: str,
    page_url: str,
    upstream_id: str,
    interval_seconds: int = 300,
    notify_subscribers: bool = False,
) -> Mirror:
    values = _validate(component, vendor, page_url, upstream_id, interval_seconds)
    with transaction.atomic():
        mirror = Mirror.objects.create(
            component=component, interval_seconds=interval_seconds,
            notify_subscribers=bool(notify_subscribers), next_poll_at=timezone.now(), **values,
        )  # fmt: skip
        record(actor, "mirror.create", mirror, page=component.page, before=None,
               after=snapshot(mirror, AUDITED), event=None)  # fmt: skip
    return mirror


def resume_mirror(mirror: Mirror, *, actor: Actor) -> Mirror:
    """Follow the vendor again after a person's override; polled at once."""
    with transaction.atomic():
        locked = Mirror.objects.select_for_update().select_related("component__page").get(
            pk=mirror.pk
        )
        before = snapshot(locked, AUDITED)
        locked.overridden, locked.applied_status, locked.etag = False, "", ""
        locked.next_poll_at = timezone.now()
        locked.save()
        record(actor, "mirror.resume", locked, page=locked.component.page, before=before,
               after=snapshot(locked, AUDITED), event=None)  # fmt: skip
    return locked


def delete_mirror(mirror: Mirror, *, actor: Actor) -> None:
    with transaction.atomic():
        record(actor, "mirror.delete", mirror, page=mirror.component.page,
               before=snapshot(mirror, AUDITED), after=None, event=None)  # fmt: skip
        mirror.delete()


def vendors_of(page) -> dict[int, str]:
    """{component id: vendor} for the page's mirrored components (one query)."""
    mirrors = Mirror.objects.filter(component__page=page, overridden=False)
    return dict(mirrors.values_list("component_id", "vendor"))


# --- polling ----------------------------------------------------------------------


def _vendor_status(body: bytes, upstream_id: str) -> tuple[str, str]:
    """(status, name) of the vendor's component, or ValueError saying what is wrong."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("the vendor's answer is not JSON") from None
    items = data.get("components") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("the vendor's answer has no components list")
    for item in items:
        if isinstance(item, dict) and item.get("id") == upstream_id:
            status = item.get("status")
            if status not in ComponentStatus.values:
                raise ValueError(f"the vendor's component has an unknown status {status!r:.40}")
            return status, str(item.get("name") or "")[:200]
    raise ValueError(f"the vendor's page has no component {upstream_id!r:.70}")


async def _ask(mirror: Mirror):
    headers = {"Accept": "application/json"}
    if mirror.etag:
        headers["If-None-Match"] = mirror.etag
    try:
        return await fetch(components_url(mirror.page_url), headers=headers, timeout=TIMEOUT,
                           max_bytes=MAX_BYTES, policy=policy())  # fmt: skip
    except OutboundError as error:
        return error


def _ask_all(mirrors: list[Mirror]) -> list:
    """Every vendor at once: a turn takes one timeout at most, however many hang."""

    async def gather() -> list:
        return await asyncio.gather(*(_ask(m) for m in mirrors))

    return asyncio.run(gather())


def _read(mirror: Mirror, answer) -> tuple[str | None, str, str]:
    """(vendor status or None when unchanged, its name, the ETag), or ValueError."""
    if isinstance(answer, OutboundError):
        raise ValueError(str(answer))
    if answer.status == 304:
        return None, "", mirror.etag
    if answer.status != 200:
        raise ValueError(f"the vendor answered HTTP {answer.status}")
    if answer.truncated:
        raise ValueError(f"the vendor's answer is larger than {MAX_BYTES} bytes")
    status, name = _vendor_status(answer.body, mirror.upstream_id)
    return status, name, answer.headers.get("ETag", "")[:200]


def _record(mirror: Mirror, answer, now: dt.datetime) -> str:
    """Apply one vendor answer to its mirror; returns what happened, in words."""
    try:
        status, name, etag = _read(mirror, answer)
    except ValueError as error:
        Mirror.objects.filter(pk=mirror.pk).update(
            last_polled_at=now, last_error=str(error)[:300],
            next_poll_at=now + dt.timedelta(seconds=mirror.interval_seconds * ERROR_BACKOFF),
        )  # fmt: skip
        return f"error: {error}"
    with transaction.atomic():
        locked = Mirror.objects.select_for_update().select_related("component").get(pk=mirror.pk)
        locked.last_polled_at, locked.last_error, locked.etag = now, "", etag
        locked.next_poll_at = now + dt.timedelta(seconds=locked.interval_seconds)
        outcome = "not modified"
        if status is not None:
            locked.upstream_status, locked.upstream_name = status, name or locked.upstream_name
            outcome = _apply(locked, status, now)
        locked.save()
    return outcome


def poll(mirror: Mirror, now: dt.datetime | None = None) -> str:
    """Ask the vendor once and apply what it says; returns what happened, in words."""
    return _record(mirror, _ask_all([mirror])[0], now or timezone.now())


def _apply(mirror: Mirror, status: str, now: dt.datetime) -> str:
    component = mirror.component
    if mirror.overridden:
        return f"{status} (overridden by a person: not applied)"
    if mirror.applied_status and component.status != mirror.applied_status:
        # Someone else set it since the last poll: theirs stands until resumed.
        mirror.overridden = True
        return f"{status} (the component was set by someone else: mirroring stops)"
    if component.status != status:
        lifecycle.set_component_status(component, status, actor=actor_for(mirror), at=now,
                                       notify=mirror.notify_subscribers)  # fmt: skip
    mirror.applied_status = status
    return status


def _claim(now: dt.datetime, limit: int) -> list[Mirror]:
    """The due mirrors this worker takes: pushing ``next_poll_at`` on with a
    compare-and-set, so two workers never ask a vendor for the same mirror."""
    due = list(Mirror.objects.filter(next_poll_at__lte=now).order_by("next_poll_at")[:limit])
    lease = now + dt.timedelta(seconds=TIMEOUT * 3)
    return [m for m in due
            if Mirror.objects.filter(pk=m.pk, next_poll_at=m.next_poll_at)
            .update(next_poll_at=lease)]  # fmt: skip


def poll_due(now: dt.datetime | None = None, limit: int = 50) -> int:
    """Ask every due mirror's vendor (concurrently), then apply the answers in turn."""
    now = now or timezone.now()
    due = _claim(now, limit)
    if not due:
        return 0
    for mirror, answer in zip(due, _ask_all(due), strict=True):
        try:
            _record(mirror, answer, now)
        except LifecycleError:
            log.exception("mirror %s: the status change was refused", mirror.pk)
    return len(due)


_last_poll = 0.0


def poll_job(worker: str) -> bool:
    """The worker's turn: poll the due mirrors, at most every few seconds."""
    global _last_poll
    if time.monotonic() - _last_poll < getattr(settings, "MIRROR_POLL_SECONDS", 5):
        return False
    _last_poll = time.monotonic()
    return poll_due() > 0
