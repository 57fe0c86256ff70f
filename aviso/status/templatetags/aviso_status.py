"""Template filters for public pages: page-zone times and safe Markdown."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from aviso.lib.dates import day_label, decimal_label, moment_label
from aviso.lib.languages import NATIVE_NAMES
from aviso.lib.languages import tag as language_tag
from aviso.lib.markdown import render_markdown
from aviso.lib.timezones import utc_offset_label
from aviso.status import fragments, languages, links
from aviso.status.languages import page_languages

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has cleaned it


@register.simple_tag
def page_time(moment: dt.datetime | None, page, fmt: str = "") -> str:
    """A time in the page's zone and the reader's language, as the seed writes "16:30 (GMT-5)".

    ``fmt`` (a Django date format, such as "H:i") picks the parts; by default CLDR's date
    in the reader's language and the time.
    """
    if moment is None:
        return ""
    local = moment.astimezone(page.zone)
    if fmt:
        return f"{formats.date_format(local, fmt)} ({utc_offset_label(local)})"
    return moment_label(local, get_language())


@register.simple_tag
def percent(value: float) -> str:
    """An uptime share with the reader's decimal mark: "99.95 %", "99,95 %"."""
    return _("%(pct)s %%") % {"pct": decimal_label(value, get_language())}


@register.simple_tag
def update_body(update, page) -> str:
    """An update's Markdown in the reader's language; else the page's first, saying so."""
    first = page_languages(page)[0]
    text, fallback = update.body_for(get_language(), first)
    html = render_markdown(text)
    if fallback:
        note = _("This update is not available in %(language)s; shown in %(original)s.") % {
            "language": NATIVE_NAMES.get(get_language(), get_language()),
            "original": NATIVE_NAMES[first],
        }
        html = (
            f'<p class="fallback-note" lang="{language_tag(get_language())}">{escape(note)}</p>'
            + html
        )
        html = f'<div lang="{language_tag(first)}">{html}</div>'
    return mark_safe(html)  # noqa: S308 - nh3 cleaned the Markdown; the note is escaped


@register.simple_tag
def page_iso(moment: dt.datetime | None, page) -> str:
    return "" if moment is None else moment.astimezone(page.zone).isoformat()


@register.filter
def duration(delta: dt.timedelta | None) -> str:
    if delta is None:
        return ""
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or not parts else []
    return " ".join(parts)


@register.simple_tag(takes_context=True)
def site_link(context, *parts) -> str:
    """A site path (its parts joined) as a link that works from any sub-path or export."""
    return links.site_link(context.get("request"), "".join(str(part) for part in parts))


@register.simple_tag(takes_context=True)
def notice(context, item) -> str:
    """One history notice (``includes/notice.html``), rendered once while it is unchanged."""
    return mark_safe(fragments.render_notice(item, context))  # noqa: S308 - a template's output


@register.simple_tag(takes_context=True)
def language_alternates(context, page) -> languages.Alternates:
    """The page's languages for the path being rendered: hreflang links and the switcher."""
    request = context.get("request")
    return languages.alternates(request, page, languages.current_site_path(request))


@register.simple_tag(takes_context=True)
def site_static(context, path: str) -> str:
    return links.static_link(context.get("request"), static(path))


@lru_cache(maxsize=4096)
def _day_label(day: dt.date, language: str) -> str:
    return day_label(day, language)


@register.simple_tag
def uptime_bars(uptime) -> str:
    """The 90 day bars, each with its text alternative (date, uptime, incidents).

    Built in Python rather than a template loop: 50 components x 90 days is
    4,500 items, which a template loop renders ten times slower. A component's
    bars are remembered by what they show, so a render after a change rebuilds
    only the components whose days moved (the front page is written first after
    every change: ``aviso.publish.tasks.FIRST_PATHS``).
    """
    days = tuple(
        (day.date, day.uptime, day.css_class, tuple(day.incidents)) for day in uptime.days
    )
    return mark_safe(_bars(get_language(), days))  # noqa: S308 - every text is escaped in _bars


# A few KB each: 50 components in six languages on a page or two.
@lru_cache(maxsize=512)
def _bars(language: str, days: tuple) -> str:
    no_data = _("no data")
    items = []
    for date, percent, css_class, incidents in days:
        label = _day_label(date, language)
        if percent is None:
            text = f"{label}: {no_data}"
        else:
            # One phrase, as the line under the bars says it: word order is the language's.
            share = _("%(pct)s %% uptime") % {"pct": decimal_label(percent, language)}
            text = f"{label}: {share}"
            if incidents:
                text += "; " + ", ".join(incidents)
        items.append(
            f'<li class="bar bar-{css_class}"><span class="visually-hidden">'
            f"{escape(text)}</span></li>"
        )
    return "".join(items)
