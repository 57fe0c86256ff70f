"""Console screens for monitors: list, detail with its chart, create, edit, pause, delete.

The list is paginated and filtered in the database, so a page costs the same
few queries with 50 or 50,000 monitors (pinned in the tests).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aviso.console.roles import Role, console_view
from aviso.monitors import lifecycle
from aviso.monitors.charts import latency_chart
from aviso.monitors.choices import MonitorKind, MonitorState
from aviso.monitors.forms import MonitorForm, kind_help
from aviso.monitors.models import Monitor
from aviso.monitors.uptime import monitor_daily_uptime
from aviso.status.lifecycle import Actor, LifecycleError

PER_PAGE = 50
CHART_POINTS = 300


def filtered_monitors(params) -> tuple:
    monitors = Monitor.objects.select_related("component")
    filters = {
        "q": (params.get("q") or "").strip()[:100],
        "state": params.get("state") if params.get("state") in MonitorState.values else "",
        "kind": params.get("kind") if params.get("kind") in MonitorKind.values else "",
        "component": (params.get("component") or "")[:12],
        "paused": params.get("paused") if params.get("paused") in ("yes", "no") else "",
    }
    if filters["q"]:
        monitors = monitors.filter(name__icontains=filters["q"])
    if filters["state"]:
        monitors = monitors.filter(state=filters["state"])
    if filters["kind"]:
        monitors = monitors.filter(kind=filters["kind"])
    if filters["component"]:
        monitors = monitors.filter(component__code=filters["component"])
    if filters["paused"]:
        monitors = monitors.filter(paused=filters["paused"] == "yes")
    return monitors.order_by("name", "id"), filters


@console_view(Role.VIEWER)
@require_safe
def monitor_list(request: HttpRequest) -> HttpResponse:
    monitors, filters = filtered_monitors(request.GET)
    page = Paginator(monitors, PER_PAGE).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        "monitors/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "states": MonitorState.choices,
            "kinds": MonitorKind.choices,
        },
    )


@console_view(Role.VIEWER)
@require_safe
def monitor_detail(request: HttpRequest, code: str) -> HttpResponse:
    monitor = get_object_or_404(Monitor.objects.select_related("component"), code=code)
    recent = list(
        monitor.results.order_by("-due_at").values_list(
            "due_at", "latency_ms", "status", "message"
        )[:CHART_POINTS]
    )
    recent.reverse()
    chart = latency_chart([(at, latency, status) for at, latency, status, _ in recent])
    days = monitor_daily_uptime([monitor.pk], days=90)[monitor.pk]
    return render(
        request,
        "monitors/detail.html",
        {
            "monitor": monitor,
            "chart": chart,
            "latest": list(reversed(recent[-20:])),
            "days": days,
        },
    )


def _form_page(request, form, monitor=None) -> HttpResponse:
    return render(
        request,
        "monitors/form.html",
        {"form": form, "monitor": monitor, "kind_help": kind_help()},
        status=400 if form.is_bound and form.errors else 200,
    )


@console_view(Role.RESPONDER)
def monitor_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, MonitorForm(initial={"config": "{}"}))
    form = MonitorForm(request.POST)
    if form.is_valid():
        try:
            monitor = lifecycle.create_monitor(actor=Actor.person(request.user), **form.values())
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            messages.success(request, _("Monitor created."))
            return redirect("monitors:detail", code=monitor.code)
    return _form_page(request, form)


@console_view(Role.RESPONDER)
def monitor_edit(request: HttpRequest, code: str) -> HttpResponse:
    monitor = get_object_or_404(Monitor, code=code)
    if request.method != "POST":
        return _form_page(request, MonitorForm(initial=MonitorForm.initial_for(monitor)), monitor)
    form = MonitorForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.update_monitor(monitor, actor=Actor.person(request.user), **form.values())
        except LifecycleError as error:
            form.add_lifecycle_errors(error.errors)
        else:
            messages.success(request, _("Monitor saved."))
            return redirect("monitors:detail", code=monitor.code)
    return _form_page(request, form, monitor)


@console_view(Role.RESPONDER)
@require_POST
def monitor_pause(request: HttpRequest, code: str) -> HttpResponse:
    monitor = get_object_or_404(Monitor, code=code)
    actor = Actor.person(request.user)
    if monitor.paused:
        lifecycle.resume_monitor(monitor, actor=actor)
    else:
        lifecycle.pause_monitor(monitor, actor=actor)
    return redirect("monitors:detail", code=monitor.code)


@console_view(Role.RESPONDER)
def monitor_delete(request: HttpRequest, code: str) -> HttpResponse:
    monitor = get_object_or_404(Monitor, code=code)
    if request.method == "POST":
        lifecycle.delete_monitor(monitor, actor=Actor.person(request.user))
        messages.success(request, _("Monitor deleted."))
        return redirect("monitors:list")
    return render(request, "monitors/delete.html", {"monitor": monitor})
