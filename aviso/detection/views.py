"""``/healthz`` (503 when a process went silent) and ``/metrics`` (Prometheus text)."""

from __future__ import annotations

import datetime as dt
import hmac

from django.conf import settings
from django.db.models import Avg, Count, FloatField, Func, Max, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from aviso.detection import liveness
from aviso.detection.models import Heartbeat
from aviso.monitors.models import Result
from aviso.status.choices import IncidentStatus
from aviso.status.models import Event, Incident
from aviso.status.supervisor import read_state, supervisor_state_path
from aviso.status.worker import pending_events

RECENT = dt.timedelta(minutes=5)
SAMPLE = 2000
COUNT_CAP = 50_000
COUNTED = f"counted up to {COUNT_CAP}, beyond that from the newest checks' rate"
NEWEST = f"the newest {SAMPLE} checks of the last 5 minutes"


class SecondsBetween(Func):
    """``later - earlier`` in seconds, computed by the database's own functions.

    Django's ``F() - F()`` on SQLite calls a Python function per row, which is
    most of a scrape's time when 250,000 checks fall in the last five minutes.
    """

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")

    def as_sql(self, compiler, connection, **extra):
        extra.setdefault("template", "EXTRACT(EPOCH FROM (%(expressions)s))")
        extra.setdefault("arg_joiner", " - ")
        return super().as_sql(compiler, connection, **extra)


def _supervised() -> tuple[dict | None, list[str]]:
    """``aviso up``'s children (restarts, last exit) and those not running right now."""
    state = read_state(supervisor_state_path())
    if state is None:
        return None, []  # not run under ``aviso up``
    down = [name for name, child in state.get("children", {}).items()
            if child.get("state") != "running"]  # fmt: skip
    if state["stale"]:
        down.append("supervisor")
    return state, down


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    silent = liveness.silent()
    supervised, down = _supervised()
    if silent:
        status = "silent processes"
    elif down:
        status = "restarting: " + ", ".join(down)
    else:
        status = "ok"
    body = {
        "status": status,
        "silent": [
            {"name": hb.name, "kind": hb.kind, "last_seen_at": hb.last_seen_at.isoformat()}
            for hb in silent
        ],
    }
    if supervised is not None:
        body["supervisor"] = supervised
    return JsonResponse(body, status=503 if silent or down else 200)


def _authorised(request: HttpRequest, token: str) -> bool:
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _line(out: list[str], name: str, value: float, labels: dict[str, str] | None = None) -> None:
    label = ""
    if labels:
        escaped = (
            f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
            for k, v in labels.items()
        )
        label = "{" + ",".join(escaped) + "}"
    out.append(f"{name}{label} {float(value):g}")


def _head(out: list[str], name: str, kind: str, text: str) -> None:
    out.append(f"# HELP {name} {text}")
    out.append(f"# TYPE {name} {kind}")


def _deliveries() -> list[tuple[str, int]] | None:
    """Deliveries by state, when the notify app has its Delivery model (built apart)."""
    try:
        from aviso.notify.models import Delivery
    except ImportError:
        return None
    field = next((f for f in ("state", "status") if hasattr(Delivery, f)), None)
    if field is None:
        return None
    rows = Delivery.objects.values_list(field).annotate(n=Count("pk")).order_by(field)
    return [(str(state), n) for state, n in rows]


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return HttpResponse("metrics are off: set AVISO_METRICS_TOKEN\n", status=404,
                            content_type="text/plain")  # fmt: skip
    if not _authorised(request, token):
        response = HttpResponse("a bearer token is needed\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    now = timezone.now()
    out: list[str] = []
    _head(out, "aviso_checker_checks_total", "counter", "Checks run by each checker process.")
    for hb in Heartbeat.objects.filter(kind="checker"):
        _line(out, "aviso_checker_checks_total", hb.info.get("checks", 0), {"checker": hb.name})
    recent = Result.objects.filter(checked_at__gte=now - RECENT).order_by()
    # Everything here walks the covering index, never the table, and never more than
    # COUNT_CAP + SAMPLE entries of it: 50,000 monitors at one check a minute put 250,000
    # rows in the window, which cost a scrape most of a second (bench/metrics_scrape.py).
    stats = recent.order_by("-checked_at")[:SAMPLE].aggregate(
        latency=Avg("latency_ms"),
        latency_max=Max("latency_ms"),
        lag=Avg(SecondsBetween("checked_at", "due_at")),
        lag_max=Max(SecondsBetween("checked_at", "due_at")),
        oldest=Min("checked_at"),
        newest=Max("checked_at"),
    )
    stats["n"] = recent[:COUNT_CAP].count()
    if stats["n"] == COUNT_CAP and stats["newest"] > stats["oldest"]:
        # Past the cap, the count is the newest checks' rate over the whole window.
        rate = SAMPLE / (stats["newest"] - stats["oldest"]).total_seconds()
        stats["n"] = max(COUNT_CAP, round(rate * RECENT.total_seconds()))
    _head(out, "aviso_checks_recent", "gauge", f"Checks stored in the last 5 minutes ({COUNTED}).")
    _line(out, "aviso_checks_recent", stats["n"])
    _head(out, "aviso_check_latency_seconds", "gauge", f"Check latency, {NEWEST}.")
    _line(out, "aviso_check_latency_seconds", (stats["latency"] or 0) / 1000, {"stat": "avg"})
    _line(out, "aviso_check_latency_seconds", (stats["latency_max"] or 0) / 1000, {"stat": "max"})
    _head(out, "aviso_schedule_lag_seconds", "gauge", f"Check start minus due time, {NEWEST}.")
    _line(out, "aviso_schedule_lag_seconds", stats["lag"] or 0, {"stat": "avg"})
    _line(out, "aviso_schedule_lag_seconds", stats["lag_max"] or 0, {"stat": "max"})
    _head(out, "aviso_open_incidents", "gauge", "Incidents not resolved.")
    _line(out, "aviso_open_incidents",
          Incident.objects.filter(status__in=IncidentStatus.open_values()).count())  # fmt: skip
    _head(out, "aviso_outbox_depth", "gauge", "Outbox events not handled yet (dead ones aside).")
    _line(out, "aviso_outbox_depth", pending_events().count())
    _head(out, "aviso_outbox_dead", "gauge", "Outbox events given up on, waiting for a retry.")
    _line(out, "aviso_outbox_dead", Event.objects.filter(dead_at__isnull=False).count())
    _head(out, "aviso_process_silent", "gauge", "1 when a process missed two heartbeats.")
    silent = {hb.name for hb in liveness.silent(now)}
    for hb in Heartbeat.objects.filter(stopped_at__isnull=True):
        _line(out, "aviso_process_silent", hb.name in silent, {"process": hb.name, "kind": hb.kind})
    deliveries = _deliveries()
    if deliveries is not None:
        _head(out, "aviso_deliveries", "gauge", "Notification deliveries by state.")
        for state, n in deliveries:
            _line(out, "aviso_deliveries", n, {"state": state})
    return HttpResponse("\n".join(out) + "\n", content_type="text/plain; version=0.0.4")
