"""Inline SVG charts for the console: no JavaScript, no chart library.

Only numbers reach the markup, so nothing user-supplied can inject into it.
"""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import SafeString, mark_safe

STATUS_COLOUR = {"up": "var(--up, #2e7d32)", "degraded": "var(--degraded, #b26a00)",
                 "down": "var(--down, #c62828)"}  # fmt: skip


def latency_chart(
    points: list[tuple[dt.datetime, float | None, str]],
    *,
    width: int = 720,
    height: int = 160,
) -> SafeString:
    """A response-time line over time, with a dot under each failed check."""
    if not points:
        return mark_safe("")  # noqa: S308 - empty string
    pad = 28
    t0 = points[0][0].timestamp()
    t1 = points[-1][0].timestamp()
    span = max(t1 - t0, 1.0)
    latencies = [p[1] for p in points if p[1] is not None]
    top = max(latencies) if latencies else 1.0
    top = max(top * 1.1, 1.0)

    def x(moment: dt.datetime) -> float:
        return pad + (moment.timestamp() - t0) / span * (width - 2 * pad)

    def y(value: float) -> float:
        return height - pad - value / top * (height - 2 * pad)

    segments, current = [], []
    for moment, latency, _ in points:
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
        f'<circle cx="{x(moment):.1f}" cy="{height - pad / 2:.1f}" r="2.5" '
        f'fill="{STATUS_COLOUR[status]}"/>'
        for moment, _, status in points
        if status != "up"
    )
    axis = (
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'stroke="currentColor" stroke-opacity=".3"/>'
        f'<text x="2" y="{pad - 8}" font-size="11" fill="currentColor">{top:.0f} ms</text>'
        f'<text x="2" y="{height - pad + 4}" font-size="11" fill="currentColor">0</text>'
    )
    svg = (
        f'<svg class="latency-chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="Response time, {len(points)} checks, highest {top / 1.1:.0f} ms" '
        f'xmlns="http://www.w3.org/2000/svg">{axis}{lines}{marks}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - built from numbers only
