"""The public page's response-time charts and their words (see ``status.metrics``)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from aviso.lib.dates import day_label, decimal_label
from aviso.lib.svgchart import line_chart
from aviso.status.metrics import Series

register = template.Library()

RANGE_LABELS = {
    "day": gettext_lazy("Past 24 hours"),
    "week": gettext_lazy("Past 7 days"),
    "month": gettext_lazy("Past 30 days"),
}


def _ms(value: float) -> str:
    return _("%(ms)s ms") % {"ms": decimal_label(value, get_language(), digits=0)}


def _when(moment: dt.datetime, series: Series, page) -> str:
    local = moment.astimezone(page.zone)
    if series.key == "day":
        return formats.date_format(local, "H:i")
    if series.key == "week":
        return f"{day_label(local.date(), get_language())} {formats.date_format(local, 'H:i')}"
    return day_label(local.date(), get_language())


@register.simple_tag
def range_label(series: Series) -> str:
    return str(RANGE_LABELS[series.key])


@register.simple_tag
def series_summary(series: Series) -> str:
    """The chart in words: the range's average and its slowest hour."""
    if series.average is None:
        return _("no checks in this period")
    text = _("average %(avg)s") % {"avg": _ms(series.average)}
    if series.slowest is not None:
        text += "; " + _("slowest hour (95th percentile) %(p95)s") % {"p95": _ms(series.slowest)}
    return text


@register.simple_tag
def response_chart(series: Series, page, caption_id: str) -> str:
    middle = series.points[len(series.points) // 2][0]
    svg = line_chart(
        [value for _, value in series.points],
        x_labels=[
            (0.0, _when(series.start, series, page)),
            (0.5, _when(middle, series, page)),
            (1.0, _("now")),
        ],
        unit="ms",
        labelled_by=caption_id,
    )
    return mark_safe(svg)  # noqa: S308 - numbers and escaped labels only (lib.svgchart)


@register.simple_tag
def series_rows(series: Series, page) -> list[tuple[str, str]]:
    """The chart's values as table rows: (when, average), for the text alternative."""
    return [
        (_when(moment, series, page), "–" if value is None else _ms(value))
        for moment, value in series.points
    ]
