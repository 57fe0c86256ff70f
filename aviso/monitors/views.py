"""Console screens for monitors: the live list, bulk pause/resume, the detail page.

The list is paginated and filtered in the database, so a page costs the same
few queries with 50 or 50,000 monitors (pinned in the tests); its rows come
again from ``monitor_rows`` every few seconds (htmx), so states, bars and
latencies move without a reload. The forms are in ``views_form``.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from aviso.console.roles import Role, console_view
from aviso.monitors import lifecycle
from aviso.monitors.caused import caused_incidents
from aviso.monitors.charts import latency_chart
from aviso.monitors.choices import CheckStatus, MonitorKind, MonitorState
from aviso.monitors.models import Monitor
from aviso.monitors.recent import Check, recent_checks
from aviso.monitors.uptime import monitor_daily_uptime
from aviso.status.lifecycle import Actor

PER_PAGE = 50
CHART_POINTS = 300
LIVE_SECONDS = 5  # how often the list asks for its rows again


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


def check_summary(checks: list[Check]) -> str:
    """The bar in words: "Last 30 checks: 28 up, 2 down"."""
    if not checks:
        return _("No checks yet")
    counts = Counter(c.status for c in checks)
    parts = ", ".join(
        f"{counts[value]} {label.lower()}" for value, label in CheckStatus.choices if counts[value]
    )
    return _("Last %(n)d checks: %(counts)s") % {"n": len(checks), "counts": parts}


def _query(filters: dict) -> str:
    return urlencode({k: v for k, v in filters.items() if v})


def _rows_context(request: HttpRequest) -> dict:
    monitors, filters = filtered_monitors(request.GET)
    page = Paginator(monitors, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    checks = recent_checks(rows)
    query = _query(filters)
    return {
        "page": page,
        "rows": [(m, checks.get(m.pk, []), check_summary(checks.get(m.pk, []))) for m in rows],
        "filters": filters,
        "query": query,
        "live_seconds": LIVE_SECONDS,
    }


@console_view(Role.VIEWER)
@require_safe
def monitor_list(request: HttpRequest) -> HttpResponse:
    context = _rows_context(request)
    context.update({"states": MonitorState.choices, "kinds": MonitorKind.choices})
    return render(request, "monitors/list.html", context)


@console_view(Role.VIEWER)
@require_safe
def monitor_rows(request: HttpRequest) -> HttpResponse:
    """The list's rows alone: what the live list swaps in every ``LIVE_SECONDS``."""
    return render(request, "monitors/_rows.html", _rows_context(request))


@console_view(Role.RESPONDER)
@require_POST
def monitor_bulk(request: HttpRequest) -> HttpResponse:
    """Pause or resume the ticked monitors, each with its audit entry."""
    action = request.POST.get("action")
    codes = [code[:12] for code in request.POST.getlist("codes")][: PER_PAGE * 4]
    _monitors, filters = filtered_monitors(QueryDict(request.POST.get("query", "")))
    back = redirect(f"{reverse('monitors:list')}?{_query(filters)}")
    if action not in ("pause", "resume") or not codes:
        messages.error(request, _("Tick at least one monitor, then pause or resume."))
        return back
    monitors = list(Monitor.objects.filter(code__in=codes))
    changed = lifecycle.set_paused(
        monitors, paused=action == "pause", actor=Actor.person(request.user)
    )
    if action == "pause":
        text = ngettext("%(n)d monitor paused.", "%(n)d monitors paused.", changed)
    else:
        text = ngettext("%(n)d monitor resumed.", "%(n)d monitors resumed.", changed)
    messages.success(request, text % {"n": changed})
    return back


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
    chart = latency_chart([(at, latency, status) for at, latency, status, _m in recent])
    days = monitor_daily_uptime([monitor.pk], days=90)[monitor.pk]
    return render(
        request,
        "monitors/detail.html",
        {
            "monitor": monitor,
            "chart": chart,
            "latest": list(reversed(recent[-20:])),
            "days": days,
            "incidents": caused_incidents(monitor),
        },
    )


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
