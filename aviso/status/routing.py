"""Which page a public request is for: ``/p/<slug>/...``, the page's own host name, or the first.

``PageMiddleware`` runs before the language middleware. A path under
``/p/<slug>/`` is served as the bare path for that page (the prefix comes off
``path_info``, as a language prefix does), so views, relative links and
snapshots see one set of paths for every page: ``/p/internal/es/history`` is
``/history`` of page ``internal`` in Spanish. Any other path is for the page
whose ``domain`` is the request's host, else for the first page.

``public_page(request)`` finds that page in one query (the one
``Page.default()`` cost before there were several pages).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.utils.cache import patch_cache_control, patch_vary_headers

from aviso.lib import languages
from aviso.lib.pagepaths import PAGE_PATH, prefix_of, request_host
from aviso.status.links import relative_from
from aviso.status.models import Page
from aviso.status.viewer_tokens import MACHINE_SUFFIXES, token_for

# Operators' and machines' addresses are never under a page prefix.
_UNPREFIXED = ("/console/", "/admin/", "/api/v1/", "/static/")


class PageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.page_slug = None
        request.page_prefix = ""
        match = PAGE_PATH.match(request.path_info)
        if match is not None:
            slug, rest = match.groups()
            if rest is None:
                # /p/<slug> must be /p/<slug>/: relative links only resolve under the slash.
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{slug}/" + (f"?{query}" if query else ""))
            if not rest.startswith(_UNPREFIXED):
                request.page_slug = slug
                request.page_prefix = prefix_of(slug)
                request.path_info = rest
        response = self.get_response(request)
        page = getattr(request, "_public_page", None)
        if page is not None and page.private:
            # What a private page says is for the signed-in reader only: no shared cache.
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Cookie",))
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, SignInRequired):
            return None
        if request.path_info.endswith(".json"):
            body = {"error": "This page is private: send a viewer token or sign in first."}
            response = JsonResponse(body, status=401)
            response["Access-Control-Allow-Origin"] = "*"  # a widget may read why
            response["WWW-Authenticate"] = 'Bearer realm="private status page"'
        elif request.path_info.endswith(MACHINE_SUFFIXES):
            response = HttpResponse(
                "This page is private: sign in first.\n", status=401, content_type="text/plain"
            )
            response["WWW-Authenticate"] = 'Bearer realm="private status page"'
        else:
            path = request.get_full_path_info()
            if getattr(request, "language_prefix", None):
                path = languages.prefixed(request.language_prefix, path)
            # The page's own sign-in, relative so it works on its domain and under /p/<slug>/.
            sign_in = relative_from(f"/sign-in?{urlencode({'next': path})}", request.path_info)
            response = HttpResponseRedirect(sign_in)
        response["Cache-Control"] = "no-store"
        return response


def first_page_flag() -> Exists:
    """An annotation: whether the page is the first one (the page served at ``/``)."""
    earlier = Page.objects.filter(
        Q(position__lt=OuterRef("position"))
        | Q(position=OuterRef("position"), id__lt=OuterRef("id"))
    )
    return ~Exists(earlier)


def public_page(request: HttpRequest | None, *, gate: bool = True) -> Page | None:
    """The page ``request`` is for (cached on it); None when there is no page at all.

    An unknown ``/p/<slug>/`` is a 404. The page carries ``is_first`` (whether it
    is also the one served at ``/``), which its public address depends on.
    """
    if request is None:
        return Page.objects.annotate(is_first=first_page_flag()).order_by("position", "id").first()
    if hasattr(request, "_public_page"):
        page = request._public_page
        if gate and page is not None and page.private and not may_view(request, page):
            raise SignInRequired(page)
        return page
    slug = getattr(request, "page_slug", None)
    pages = Page.objects.annotate(is_first=first_page_flag())
    if slug is not None:
        page = pages.filter(slug=slug).first()
        if page is None:
            raise Http404("No such status page.")
    else:
        host = request_host(
            request.META.get("HTTP_HOST", "") or request.META.get("SERVER_NAME", "")
        )
        page = (
            pages.annotate(
                by_host=Case(
                    When(domain=host, then=Value(0)), default=Value(1), output_field=IntegerField()
                )
            )
            .order_by("by_host", "position", "id")
            .first()
            if host
            else pages.order_by("position", "id").first()
        )
    request._public_page = page
    if page is not None and page.private:
        if gate and not may_view(request, page):
            raise SignInRequired(page)
        _narrow_to_audience(request, page)
    return page


def _narrow_to_audience(request: HttpRequest, page: Page) -> None:
    """A reader signed in by email sees what their audiences give them; operators see all."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return
    from aviso.status.audiences import audience_component_ids, visible_component_ids
    from aviso.status.viewers import signed_in_claims, signed_in_email

    email = signed_in_email(request, page)
    if email:
        claims = signed_in_claims(request, page)
        page.visible_component_ids = visible_component_ids(page, email, claims)
        return
    token = token_for(request, page)
    if token is not None and token.audience_id is not None:
        page.visible_component_ids = audience_component_ids(token.audience_id)


class SignInRequired(Exception):
    """A private page was asked for by someone not signed in (see ``PageMiddleware``)."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.slug)
        self.page = page


def may_view(request: HttpRequest, page: Page) -> bool:
    """Whether ``request`` may read private ``page``: a signed-in console account, or a
    reader the page admits who signed in (and is still admitted), or a viewer token of the
    page on a machine answer (aviso.status.viewer_tokens)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return True
    from aviso.status.viewers import signed_in_email  # viewers builds on this module

    email = signed_in_email(request, page)
    if email and page.admits(email):
        return True
    return token_for(request, page) is not None


def page_path_prefix(page: Page, *, is_first: bool | None = None) -> str:
    """The path prefix a page's public paths are reached under from any host: none for the
    first page, ``/p/<slug>`` for the others."""
    first = getattr(page, "is_first", None) if is_first is None else is_first
    if first is None:
        # Read once per instance: a notice builds several links from one page row.
        first = page.is_first = Page.default() == page
    return "" if first else prefix_of(page.slug)


def page_address(page: Page) -> str:
    """The page's public address without a trailing slash: its ``url``, else its domain
    (with ``AVISO_BASE_URL``'s scheme), else ``AVISO_BASE_URL`` and its path prefix."""
    if page.url:
        return page.url.rstrip("/")
    base = settings.BASE_URL.rstrip("/")
    if page.domain:
        scheme = base.split("://", 1)[0] if "://" in base else "https"
        return f"{scheme}://{page.domain}"
    return base + page_path_prefix(page)
