"""A small server-rendered SVG line chart: no JavaScript, no chart library.

Numbers go in as numbers and every label is escaped, so nothing a user typed
can inject markup. Colours come from the stylesheet (``currentColor`` and CSS
classes), so the chart follows dark mode and prints.
"""

from __future__ import annotations

import math
from html import escape


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (axis tops)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def line_chart(
    values: list[float | None],
    *,
    x_labels: list[tuple[float, str]],
    unit: str,
    labelled_by: str,
    width: int = 600,
    height: int = 140,
) -> str:
    """Equally spaced ``values`` as a line (broken where a value is None) over a filled
    area, with three horizontal grid lines labelled in ``unit`` and ``x_labels``
    (position 0..1, text) under the axis. ``labelled_by``: the id of the caption."""
    left, right, top, bottom = 44, 8, 8, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for v in values if v is not None]
    ceiling = nice_ceiling(max(known) if known else 1.0)
    step = plot_w / max(len(values) - 1, 1)

    def y(value: float) -> float:
        return top + plot_h - value / ceiling * plot_h

    parts = []
    for fraction in (0.0, 0.5, 1.0):
        gy = y(ceiling * fraction)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{gy:.1f}" x2="{width - right}" y2="{gy:.1f}"/>'
            f'<text class="tick" x="{left - 4}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{ceiling * fraction:g}&#160;{escape(unit)}</text>"
        )
    segments: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            segments.append([])
        else:
            segments[-1].append((left + i * step, y(value)))
    base = top + plot_h
    for segment in (s for s in segments if s):
        line = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
        area = f"{segment[0][0]:.1f},{base:.1f} {line} {segment[-1][0]:.1f},{base:.1f}"
        parts.append(f'<polygon class="area" points="{area}"/>')
        if len(segment) == 1:
            px, py = segment[0]
            parts.append(f'<circle class="line" cx="{px:.1f}" cy="{py:.1f}" r="2"/>')
        else:
            parts.append(f'<polyline class="line" points="{line}"/>')
    for fraction, text in x_labels:
        anchor = "start" if fraction <= 0 else "end" if fraction >= 1 else "middle"
        parts.append(
            f'<text class="tick" x="{left + fraction * plot_w:.1f}" y="{height - 6}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(labelled_by)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(parts)}</svg>"
    )
