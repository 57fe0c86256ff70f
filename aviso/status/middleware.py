"""The reader's language for every request, in place of Django's LocaleMiddleware.

A path under a language prefix (``/es/history``) is served as the bare path
(``/history``) in that language: the prefix comes off ``path_info`` before URL
resolution, so views, links and snapshots see one set of paths. A bare path is
negotiated from the language cookie and ``Accept-Language`` and answers with
``Vary: Accept-Language, Cookie``. Every answer says its language in
``Content-Language``. Public views narrow the choice to their page's languages
(``aviso.status.languages.use_page_language``); the console middleware applies
an operator's own setting.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers

from aviso.lib import languages

# Operators' and machines' addresses: never under a reader's language prefix.
_UNPREFIXED = ("/console/", "/admin/", "/api/v1/")


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code, rest = languages.split_prefix(request.path_info)
        if code is not None and rest.startswith(_UNPREFIXED):
            code, rest = None, request.path_info
        if code is not None and request.path_info == f"/{code}":
            # /es must be /es/: links relative to the page only resolve under the slash.
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{code}/" + (f"?{query}" if query else ""))
        request.language_prefix = code
        if code is not None:
            request.path_info = rest
        else:
            code = languages.negotiate(
                list(languages.CODES),
                cookie=request.COOKIES.get(languages.COOKIE, ""),
                accept_language=request.headers.get("Accept-Language", ""),
            )
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        # The view may have narrowed the language to its page's; say the one it used.
        response["Content-Language"] = languages.tag(translation.get_language() or code)
        if request.language_prefix is None and getattr(request, "language_negotiated", True):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        translation.deactivate()
        return response
