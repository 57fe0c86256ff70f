"""Status badges: small SVGs in the shields.io shape, text and colour together."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import pgettext

from aviso.status.choices import ComponentStatus
from aviso.status.derivation import page_state

COLOURS = {
    ComponentStatus.OPERATIONAL: "#1f883d",
    ComponentStatus.UNDER_MAINTENANCE: "#0969da",
    ComponentStatus.DEGRADED_PERFORMANCE: "#9a6700",
    ComponentStatus.PARTIAL_OUTAGE: "#bc4c00",
    ComponentStatus.MAJOR_OUTAGE: "#cf222e",
}
LABEL_COLOUR = "#555"


def _width(text: str) -> int:
    # Verdana 11px averages about 7 px a character; the badge pads 10 px a side.
    return int(len(text) * 7 + 10)


def svg(label: str, message: str, colour: str) -> bytes:
    left, right = _width(label), _width(message)
    total = left + right
    label_e, message_e = escape(label), escape(message)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img"
 aria-label="{label_e}: {message_e}">
<title>{label_e}: {message_e}</title>
<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>
<rect x="{left}" width="{right}" height="20" fill="{colour}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="{left / 2:.1f}" y="14">{label_e}</text>
<text x="{left + right / 2:.1f}" y="14">{message_e}</text>
</g>
</svg>
""".encode()


def page_badge(statuses: list[str]) -> bytes:
    state = page_state(statuses)
    # The badge's label in the reader's language, as its message already is.
    return svg(pgettext("badge label", "status"), state.headline.lower(), COLOURS[state.worst])


def component_badge(name: str, status: str) -> bytes:
    status = ComponentStatus(status)
    return svg(name, str(status.label).lower(), COLOURS[status])
