"""Which of a page's languages a public request is served in, and the switcher.

The language middleware has already taken a language prefix off the path
(``/es/history`` is served as ``/history`` in Spanish) or negotiated one among
every shipped language. A public view then narrows that to its page's own
languages with ``use_page_language``: a prefix the page does not offer is a
404, and a negotiated bare path gets the reader's best page language. The
snapshot layer makes the same choice from the same function
(``aviso.lib.languages.negotiate``), so a snapshot and Django agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.http import Http404, HttpRequest
from django.utils import translation

from aviso.lib import languages
from aviso.status import links
from aviso.status.models import Page
from aviso.status.routing import page_address


def page_languages(page: Page) -> list[str]:
    """The page's languages in its order (the first is its default); English if it names none."""
    return languages.page_languages(page.languages)


def use_page_language(request: HttpRequest | None, page: Page) -> str:
    """Activate the language ``request`` reads ``page`` in and return it (404 if not offered)."""
    available = page_languages(page)
    prefix = getattr(request, "language_prefix", None)
    if prefix is not None:
        if prefix not in available:
            raise Http404("This page is not published in that language.")
        code = prefix
    elif request is None:
        code = available[0]
    else:
        code = languages.negotiate(
            available,
            cookie=request.COOKIES.get(languages.COOKIE, ""),
            accept_language=request.headers.get("Accept-Language", ""),
        )
    translation.activate(code)
    if request is not None:
        request.LANGUAGE_CODE = code
        # A page with one language negotiates nothing: no Vary on it (as the snapshot layer).
        request.language_negotiated = prefix is None and len(available) > 1
    return code


@dataclass(frozen=True)
class Alternate:
    code: str
    tag: str
    name: str
    href: str  # absolute, for hreflang
    switch: str  # the switcher's link (sets the reader's cookie, then goes there)
    current: bool


@dataclass(frozen=True)
class Alternates:
    items: list[Alternate]
    x_default: str  # the bare, negotiated address
    current_tag: str  # the ``lang`` of the page as rendered

    @property
    def several(self) -> bool:
        return len(self.items) > 1


def alternates(request: HttpRequest | None, page: Page, site_path: str) -> Alternates:
    """The page's languages for ``site_path``: hreflang addresses and switcher links."""
    current = translation.get_language() or languages.DEFAULT
    base = page_address(page)
    found = []
    for code in page_languages(page):
        switch = links.site_link(request, f"/language?to={code}&next={quote(site_path, safe='/')}")
        found.append(
            Alternate(
                code=code,
                tag=languages.tag(code),
                name=languages.NATIVE_NAMES[code],
                href=base + languages.prefixed(code, site_path),
                switch=switch,
                current=code == current,
            )
        )
    return Alternates(found, base + site_path, languages.tag(current))


def current_site_path(request: HttpRequest | None) -> str:
    """The site path being served, without its language prefix, with its query."""
    if request is None:
        return "/"
    query = request.META.get("QUERY_STRING", "")
    return request.path_info + (f"?{query}" if query else "")
