"""Inline SVG charts for the console: no JavaScript, no chart library.

Only numbers and formatted times reach the markup (times escaped), so nothing
user-supplied can inject into it.
"""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from aviso.monitors.chart_axes import time_label, time_ticks, value_ticks

STATUS_COLOUR = {"up": "var(--up, #2e7d32)", "degraded": "var(--degraded, #b26a00)",
                 "down": "var(--down, #c62828)"}  # fmt: skip


def latency_chart(
    points: list[tuple[dt.datetime, float | None, str]],
    *,
    width: int = 720,
    height: int = 180,
    label: str = "",
) -> SafeString:
    """A response-time line over time with a time axis and a millisecond axis,
    and a dot under each failed check."""
    if not points:
        return mark_safe("")  # noqa: S308 - empty string
    left, right, top_pad, bottom = 46, 12, 10, 40
    start, end = points[0][0], points[-1][0]
    t0, t1 = start.timestamp(), end.timestamp()
    span = max(t1 - t0, 1.0)
    latencies = [p[1] for p in points if p[1] is not None]
    highest = max(latencies) if latencies else 0.0
    top = max(highest * 1.1, 1.0)
    plot_bottom = height - bottom

    def x(moment: dt.datetime) -> float:
        return left + (moment.timestamp() - t0) / span * (width - left - right)

    def y(value: float) -> float:
        return plot_bottom - value / top * (plot_bottom - top_pad)

    segments, current = [], []
    for moment, latency, _status in points:
        if latency is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{x(moment):.1f},{y(latency):.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(seg)}" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        for seg in segments
    )
    marks = "".join(
        f'<circle cx="{x(moment):.1f}" cy="{plot_bottom + 6:.1f}" r="2.5" '
        f'fill="{STATUS_COLOUR[status]}"/>'
        for moment, _latency, status in points
        if status != "up"
    )
    axes = [
        f'<line x1="{left}" y1="{plot_bottom}" x2="{width - right}" y2="{plot_bottom}" '
        f'stroke="currentColor" stroke-opacity=".4"/>'
    ]
    for value in value_ticks(top):
        axes.append(
            f'<line class="grid" x1="{left}" y1="{y(value):.1f}" x2="{width - right}" '
            f'y2="{y(value):.1f}" stroke="currentColor" stroke-opacity=".12"/>'
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="currentColor">{value:g} ms</text>'
        )
    moments = time_ticks(start, end) if t1 > t0 else [start]
    for moment in moments:
        axes.append(
            f'<line x1="{x(moment):.1f}" y1="{plot_bottom}" x2="{x(moment):.1f}" '
            f'y2="{plot_bottom + 4}" stroke="currentColor" stroke-opacity=".4"/>'
            f'<text class="time" x="{x(moment):.1f}" y="{height - 14}" font-size="11" '
            f'text-anchor="middle" fill="currentColor">'
            f"{escape(time_label(moment, end - start))}</text>"
        )
    summary = escape(
        _("%(label)s: %(count)s checks from %(start)s to %(end)s, highest %(ms)s ms")
        % {"label": label or _("Response time"), "count": len(points),
           "start": time_label(start, end - start), "end": time_label(end, end - start),
           "ms": f"{highest:.0f}"}
    )  # fmt: skip
    svg = (
        f'<svg class="latency-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{summary}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(axes)}{lines}{marks}</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - numbers and escaped times only
