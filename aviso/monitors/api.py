"""``/api/v1/monitors``: create, list, change, pause, resume, delete, results.

A django-ninja ``Router``; the management API mounts it with its own auth
(``api.add_router("/monitors", router)``). Handlers are thin: they call
``monitors.lifecycle``; refusals come back as ``application/problem+json``
with a message per field.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router
from ninja.errors import HttpError

from aviso.lib.bounds import MAX_OFFSET, When
from aviso.monitors import lifecycle
from aviso.monitors.choices import MonitorKind
from aviso.monitors.configs import shown_config
from aviso.monitors.models import Monitor
from aviso.monitors.schemas import (
    MonitorIn,
    MonitorOut,
    MonitorPage,
    MonitorPatch,
    ResultOut,
    RollupOut,
)
from aviso.monitors.views import filtered_monitors
from aviso.status.lifecycle import Actor, LifecycleError
from aviso.status.models import Component

MAX_LIMIT = 500


def problem(status: int, title: str, errors: dict[str, str] | None = None) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": title,
        "errors": errors or {},
    }
    return JsonResponse(body, status=status, content_type="application/problem+json")


def actor_for(request: HttpRequest) -> Actor:
    """The API's auth puts an ``Actor`` (or a user) on ``request.auth``; a session user
    also works. Without either the router refuses: it never acts anonymously."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Actor):
        return auth
    if hasattr(auth, "scope") and hasattr(auth, "user"):
        # A management API token: the API names the actor (user and token).
        from aviso.api.auth import actor

        return actor(request)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor.person(user)
    raise HttpError(401, "Authentication required.")


def monitor_out(
    monitor: Monitor, component_code: str | None, parent_code: str | None = None
) -> dict:
    derived = {"component", "regions", "ping_url", "depends_on"}
    data = {f: getattr(monitor, f) for f in MonitorOut.model_fields if f not in derived}
    data["component"] = component_code
    data["depends_on"] = parent_code
    data["config"] = shown_config(monitor.kind, monitor.config)  # write-only secrets
    data["regions"] = monitor.region_list
    data["ping_url"] = (
        f"{settings.BASE_URL}/ping/{monitor.ping_key}"
        if monitor.kind == MonitorKind.HEARTBEAT
        else None
    )
    return data


def _get(code: str) -> Monitor:
    monitor = Monitor.objects.select_related("component").filter(code=code).first()
    if monitor is None:
        raise HttpError(404, "No such monitor.")
    return monitor


def _component(code: str | None) -> Component | None:
    if code is None:
        return None
    component = Component.objects.filter(code=code).first()
    if component is None:
        raise LifecycleError({"component": f"No component with code {code!r}."})
    return component


def _parent(code: str | None) -> Monitor | None:
    if code is None:
        return None
    parent = Monitor.objects.filter(code=code).first()
    if parent is None:
        raise LifecycleError({"depends_on": f"No monitor with code {code!r}."})
    return parent


def _parent_codes(monitors: list[Monitor]) -> dict[int, str]:
    """The codes of the monitors these depend on: one query for a whole list."""
    ids = {m.depends_on_id for m in monitors if m.depends_on_id}
    return dict(Monitor.objects.filter(pk__in=ids).values_list("pk", "code")) if ids else {}


def _out(monitor: Monitor, parents: dict[int, str] | None = None) -> dict:
    if parents is None:
        parents = _parent_codes([monitor])
    return monitor_out(
        monitor,
        monitor.component.code if monitor.component_id else None,
        parents.get(monitor.depends_on_id) if monitor.depends_on_id else None,
    )


# (status, body) tuples rather than ninja.Status: pyproject allows django-ninja 1.4,
# which has no Status; 1.7 only warns about tuples.
def build_router(*, read_auth=None, write_auth=None) -> Router:
    """A fresh router (a ninja Router can be mounted on one API only).

    The management API passes its token scopes (read for GETs, write for
    changes); tests mount it on a local API with session users.
    """
    router = Router(tags=["monitors"])
    # Every problem an operation can answer is documented, as the other routers do.
    from aviso.api.common import errors

    errs = errors()
    reads = {"auth": read_auth} if read_auth is not None else {}
    writes = {"auth": write_auth} if write_auth is not None else {}

    @router.get("", response={200: MonitorPage, **errs}, summary="List monitors", **reads)
    def list_monitors(
        request,
        q: str = "",
        state: str = "",
        kind: str = "",
        component: str = "",
        paused: str = Query("", description="yes or no"),
        limit: int = Query(50, ge=1, le=MAX_LIMIT),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ):
        actor_for(request)
        params = {"q": q, "state": state, "kind": kind, "component": component, "paused": paused}
        monitors, _ = filtered_monitors(params)
        page = list(monitors[offset : offset + limit])
        parents = _parent_codes(page)
        return {"count": monitors.count(), "results": [_out(m, parents) for m in page]}

    @router.post("", response={201: MonitorOut, **errs}, summary="Create a monitor", **writes)
    def create(request, payload: MonitorIn):
        actor = actor_for(request)
        values = payload.model_dump()
        try:
            values["component"] = _component(values["component"])
            values["depends_on"] = _parent(values["depends_on"])
            monitor = lifecycle.create_monitor(actor=actor, **values)
        except LifecycleError as error:
            return problem(422, "The monitor was not created.", error.errors)
        return 201, _out(Monitor.objects.select_related("component").get(pk=monitor.pk))

    @router.get("/{code}", response={200: MonitorOut, **errs}, summary="One monitor", **reads)
    def detail(request, code: str):
        actor_for(request)
        return _out(_get(code))

    @router.patch(
        "/{code}", response={200: MonitorOut, **errs}, summary="Change a monitor", **writes
    )
    def change(request, code: str, payload: MonitorPatch):
        actor = actor_for(request)
        monitor = _get(code)
        changes = payload.model_dump(exclude_unset=True)
        try:
            if "component" in changes:
                changes["component"] = _component(changes["component"])
            if "depends_on" in changes:
                changes["depends_on"] = _parent(changes["depends_on"])
            monitor = lifecycle.update_monitor(monitor, actor=actor, **changes)
        except LifecycleError as error:
            return problem(422, "The monitor was not changed.", error.errors)
        return 200, _out(_get(monitor.code))

    @router.post(
        "/{code}/pause", response={200: MonitorOut, **errs}, summary="Pause a monitor", **writes
    )
    def pause(request, code: str):
        return _out(lifecycle.pause_monitor(_get(code), actor=actor_for(request)))

    @router.post(
        "/{code}/resume", response={200: MonitorOut, **errs}, summary="Resume a monitor", **writes
    )
    def resume(request, code: str):
        return _out(lifecycle.resume_monitor(_get(code), actor=actor_for(request)))

    @router.delete("/{code}", response={204: None, **errs}, summary="Delete a monitor", **writes)
    def delete(request, code: str):
        lifecycle.delete_monitor(_get(code), actor=actor_for(request))
        return 204, None

    @router.get(
        "/{code}/results",
        response={200: list[ResultOut], **errs},
        summary="Recent results",
        **reads,
    )
    def results(
        request,
        code: str,
        before: When | None = None,
        limit: int = Query(100, ge=1, le=MAX_LIMIT),
    ):
        actor_for(request)
        rows = _get(code).results.order_by("-due_at")
        if before is not None:
            rows = rows.filter(due_at__lt=before)
        return list(rows[:limit])

    @router.get(
        "/{code}/rollups",
        response={200: list[RollupOut], **errs},
        summary="Hourly roll-ups",
        **reads,
    )
    def rollups(
        request,
        code: str,
        since: When | None = None,
        limit: int = Query(168, ge=1, le=24 * 93),
    ):
        actor_for(request)
        rows = _get(code).rollups.order_by("-hour")
        if since is not None:
            rows = rows.filter(hour__gte=since)
        return list(rows[:limit])

    return router


router = build_router()
