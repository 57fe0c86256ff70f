"""Rendered notices, remembered: a history window re-renders only the notices that changed.

A three-month window of a busy page holds hundreds of notices, and rendering them
through the template engine was most of a history page's time (10,000 incidents:
about 2 s a window). Each notice's HTML is kept, per process, under a key made of
everything it shows (its name, impact, updates, postmortem) and everything it is
shown with (the language, the page's zone and languages, where its links point
from), so a changed notice has a new key and is rendered afresh; nothing is ever
invalidated by hand. A full snapshot render starts from an empty memory anyway.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from django.core.exceptions import ObjectDoesNotExist
from django.template import Context
from django.utils.translation import get_language

from aviso.status import links
from aviso.status.languages import page_languages

TEMPLATE = "status/includes/notice.html"
LIMIT = 20_000  # notices; a few KB each

_memory: OrderedDict[tuple, str] = OrderedDict()


def clear() -> None:
    _memory.clear()


def _updates(obj) -> tuple:
    return tuple(
        (u.pk, u.status, u.body, json.dumps(u.bodies, sort_keys=True), u.display_at)
        for u in obj.updates.all()  # prefetched by the history query
    )


def _postmortem(incident) -> tuple:
    try:
        postmortem = incident.postmortem
    except ObjectDoesNotExist:
        return ()
    return (postmortem.body, postmortem.published_at, postmortem.is_published)


def notice_key(notice, context: Context) -> tuple:
    obj, page, request = notice.obj, context["page"], context.get("request")
    if notice.is_incident:
        shown = (obj.code, obj.name, obj.impact, _postmortem(obj))
    else:
        shown = (obj.code, obj.name, obj.scheduled_for, obj.scheduled_until)
    where = (links.site_link(request, "/"), links.is_export(request))
    setting = (page.pk, str(page.zone), tuple(page_languages(page)), get_language())
    return (notice.kind, obj.pk, shown, _updates(obj), where, setting)


def render_notice(notice, context: Context) -> str:
    """The notice's HTML, as ``{% include TEMPLATE %}`` would write it here."""
    key = notice_key(notice, context)
    html = _memory.get(key)
    if html is not None:
        _memory.move_to_end(key)
        return html
    template = context.template.engine.get_template(TEMPLATE)
    with context.push(notice=notice):
        html = template.render(context)
    _memory[key] = html
    if len(_memory) > LIMIT:
        _memory.popitem(last=False)
    return html
