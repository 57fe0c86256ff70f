"""The console in the operator's own language (their account setting), else the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from aviso.console.models import OperatorPreference


def operator_language(user) -> str:
    """The language ``user`` chose for the console; blank when they left it to the browser."""
    if not user.is_authenticated:
        return ""
    return (
        OperatorPreference.objects.filter(user=user).values_list("language", flat=True).first()
        or ""
    )


class OperatorLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/console/"):
            chosen = operator_language(request.user)
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        return self.get_response(request)
