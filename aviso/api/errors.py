"""Every error as ``application/problem+json`` (RFC 9457), with a message per field."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from aviso.status.lifecycle import ConflictError, LifecycleError

logger = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TITLES = {
    400: _("Bad request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    409: _("Conflict"),
    413: _("Request body too large"),
    422: _("Invalid input"),
    500: _("Server error"),
}


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str]


class ApiError(Exception):
    """Raised by handlers: a status, a sentence and (optionally) field messages."""

    def __init__(self, status: int, detail: str, errors: dict[str, str] | None = None):
        self.status, self.detail, self.errors = status, detail, errors or {}
        super().__init__(detail)


def problem(status: int, detail: str, errors: dict[str, str] | None = None) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": detail,
        "errors": errors or {},
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="aviso"'
    return response


# Where pydantic puts a value: ("body", "payload", "name") -> "name".
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field(loc: list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and parts and parts[0] == "payload":
            parts = parts[1:]
    return ".".join(parts) or "body"


def field_errors(errors: list[dict]) -> dict[str, str]:
    result: dict[str, str] = {}
    for error in errors:
        field = _field(list(error.get("loc", [])))
        message = str(error.get("msg", "Invalid value."))
        if error.get("type") == "extra_forbidden":
            message = "Unknown field."
        result[field] = f"{result[field]} {message}" if field in result else message
    return result


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return problem(422, "Some fields are invalid.", field_errors(exc.errors))

    @api.exception_handler(LifecycleError)
    def _lifecycle(request: HttpRequest, exc: LifecycleError) -> HttpResponse:
        errors = {("body" if k == "__all__" else k): str(v) for k, v in exc.errors.items()}
        if isinstance(exc, ConflictError):
            return problem(409, "; ".join(errors.values()), errors)
        return problem(422, "Some fields are invalid.", errors)

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return problem(exc.status, exc.detail, exc.errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(401, "A valid API token is required: Authorization: Bearer <token>.")

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            message = f"Malformed JSON: {cause.msg} (line {cause.lineno}, column {cause.colno})."
            return problem(400, message, {"body": message})
        if isinstance(cause, RequestDataTooBig):
            return problem(413, "The request body is too large.", {"body": "Too large."})
        if exc.status_code == 400:
            return problem(400, str(exc), {"body": str(exc)})
        return problem(exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, str(exc) or "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def _does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return problem(404, "Not found.")

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(413, "The request body is too large.", {"body": "Too large."})

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return problem(500, "Something went wrong on our side; nothing was changed.")
