"""Monthly uptime reports: a screen per month and the same figures as CSV."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from aviso.console.roles import Role, console_view
from aviso.console.views.common import with_page
from aviso.lib.dates import month_label
from aviso.status.history import current_month, parse_through
from aviso.status.models import Page
from aviso.status.reports import MonthReport, month_report

CSV_COLUMNS = [
    "month", "component", "group", "uptime_percent", "downtime_seconds", "incidents",
    "mean_time_to_detect_seconds", "mean_time_to_resolve_seconds",
]  # fmt: skip


def _report(request: HttpRequest, page: Page) -> MonthReport | None:
    raw = request.GET.get("month")
    month = parse_through(raw) if raw else current_month(page)
    return month_report(page, *month) if month else None


def _key(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


@console_view(Role.VIEWER)
@require_safe
@with_page
def uptime_report(request: HttpRequest, page: Page) -> HttpResponse:
    report = _report(request, page)
    if report is None:
        return redirect("console:uptime_report")
    language = get_language()
    return render(
        request,
        "console/uptime_report.html",
        {
            "page": page,
            "report": report,
            "section": "uptime_report",
            "month_label": month_label(report.year, report.month, language),
            "previous": _key(report.previous),
            "previous_label": month_label(*report.previous, language),
            "next": _key(report.next) if report.next else None,
            "next_label": month_label(*report.next, language) if report.next else "",
        },
    )


def _cell(value: str) -> str:
    """A name as a spreadsheet shows it, never as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _seconds(delta) -> str:
    return "" if delta is None else f"{delta.total_seconds():.0f}"


@console_view(Role.VIEWER)
@require_safe
@with_page
def uptime_csv(request: HttpRequest, page: Page) -> HttpResponse:
    report = _report(request, page)
    if report is None:
        return HttpResponse("Ask for a month that has begun, as YYYY-MM.\n", status=400,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="uptime-{report.key}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        component = row.component
        writer.writerow(
            [
                report.key,
                _cell(component.name),
                _cell(component.group.name) if component.group_id else "",
                "" if row.uptime is None else f"{row.uptime:.3f}",
                _seconds(row.downtime),
                len(row.incidents),
                _seconds(row.time_to_detect),
                _seconds(row.time_to_resolve),
            ]
        )
    return response
