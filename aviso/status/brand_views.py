"""A page's branding as files: its stylesheet (accent colour, custom CSS), logo, favicon,
and the embeddable widget.

Files, not inline styles, because the public pages' Content-Security-Policy
allows stylesheets from the site only; and files can be snapshotted and
exported like the feeds.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from aviso.status.models import Page
from aviso.status.routing import public_page

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "ico": "image/x-icon",
}


def _page(request: HttpRequest) -> Page:
    page = public_page(request)
    if page is None:
        raise Http404("No status page has been set up yet.")
    return page


def brand_stylesheet(page: Page) -> str:
    parts = []
    if page.accent_color:
        # Light scheme only: the dark scheme keeps its own link colour, checked against it.
        parts.append(
            "@media not (prefers-color-scheme: dark) {\n"
            f"  :root {{ --link: {page.accent_color}; }}\n"
            "}\n"
        )
    if page.custom_css:
        parts.append(page.custom_css + "\n")
    return "".join(parts)


@require_safe
def brand_css(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    if not page.has_brand_css:
        raise Http404("This page has no custom style.")
    return HttpResponse(brand_stylesheet(page), content_type="text/css; charset=utf-8")


def _image(request: HttpRequest, kind: str) -> HttpResponse:
    page = _page(request)
    name = getattr(page, kind)
    if not name:
        raise Http404("This page has none.")
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise Http404("The image is gone from the storage.") from None
    extension = name.rsplit(".", 1)[-1]
    return HttpResponse(data, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"))


@require_safe
def logo(request: HttpRequest) -> HttpResponse:
    return _image(request, "logo")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    return _image(request, "favicon")


WIDGET = Path(__file__).parent / "static" / "status" / "widget.js"


@functools.cache
def widget_source() -> bytes:
    return WIDGET.read_bytes()


@require_safe
def widget(request: HttpRequest) -> HttpResponse:
    """The embeddable widget of the request's page: one script, read from the page's own
    address, so the same file serves every page and every host."""
    # The script is the same for every page and holds nothing of it, so a private page's
    # is served to anyone too: what it reads needs a viewer token (data-token) or a sign-in.
    if public_page(request, gate=False) is None:
        raise Http404("No status page has been set up yet.")
    response = HttpResponse(widget_source(), content_type="text/javascript; charset=utf-8")
    # Pasted into other sites' pages: they must be able to load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
