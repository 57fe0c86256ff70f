"""The plumbing every /v1/ view shares: keys, bodies, errors, pagination, routes."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from aviso.api.auth import find_token
from aviso.api.choices import TokenScope
from aviso.api.models import ApiToken
from aviso.status.lifecycle import Actor, ConflictError, LifecycleError
from aviso.status.models import Page

logger = logging.getLogger(__name__)
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 100
MAX_BODY_BYTES = 1_000_000
_ID = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
_FORM = "application/x-www-form-urlencoded"


class V1Error(Exception):
    """Answered as Statuspage answers errors: ``{"error": "..."}`` with its status."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(message)


def error_response(status: int, message: str) -> HttpResponse:
    # ``error`` is what Statuspage sends; ``message`` is the field its published
    # OpenAPI document names (ErrorEntity): both, so clients of either read it.
    body = {"error": message, "message": message}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    if status == 401:
        response["WWW-Authenticate"] = 'OAuth realm="aviso"'
    return response


def ok(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )


def not_found(what: str = "") -> V1Error:
    return V1Error(404, f"The {what} could not be found." if what else "Not found.")


def valid_id(value: str) -> bool:
    return bool(_ID.match(value or ""))


# Keys


def raw_key(request: HttpRequest) -> str | None:
    """``Authorization: OAuth <key>`` (Statuspage's), ``Bearer`` (Aviso's), or ``?api_key=``."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() in ("oauth", "bearer") and value.strip():
        return value.strip()
    return request.GET.get("api_key") or None


def authenticate(request: HttpRequest, scope: TokenScope) -> ApiToken:
    token = find_token(raw_key(request))
    if token is None:
        raise V1Error(401, "Could not authenticate")
    if not token.effective_scope.allows(scope):
        raise V1Error(403, f"This key's scope is {token.effective_scope}; this needs {scope}.")
    return token


def actor(request: HttpRequest) -> Actor:
    token: ApiToken = request.auth
    return Actor.api(token.user, token.name)


# Bodies


def _form_path(key: str) -> list[str]:
    """``incident[components][abc]`` -> ["incident", "components", "abc"]; ``[]`` is ""."""
    head, _, rest = key.partition("[")
    parts = [head]
    if rest:
        parts += rest.rstrip("]").split("][")
    return parts


def parse_form(pairs: list[tuple[str, str]]) -> dict:
    """Rails' reading of bracketed form keys: nested maps, ``[]`` appends to a list."""
    root: dict = {}
    for key, value in pairs:
        parts = _form_path(key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            if part == "":
                if not isinstance(node, list):
                    raise V1Error(400, f"Invalid parameter: {key}")
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            if not isinstance(node, dict):
                raise V1Error(400, f"Invalid parameter: {key}")
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if following == "" else {})
    return root


def body(request: HttpRequest) -> dict:
    """The request's parameters from JSON or a form, whichever its Content-Type says."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise V1Error(413, "The request body is too large.") from None
    if len(raw) > MAX_BODY_BYTES:
        raise V1Error(413, "The request body is too large.")
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":  # curl -F
        return parse_form([(k, v) for k, values in request.POST.lists() for v in values])
    if content_type == _FORM or (not raw.strip().startswith(b"{") and b"=" in raw):
        from urllib.parse import parse_qsl

        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=bool(raw))
        except (UnicodeDecodeError, ValueError):
            raise V1Error(400, "The form body could not be read.") from None
        return parse_form(pairs)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise V1Error(400, f"The JSON body could not be read: {exc}") from None
    if not isinstance(data, dict):
        raise V1Error(400, "The JSON body must be an object.")
    return data


def wrapped(request: HttpRequest, name: str) -> dict:
    """``{"incident": {...}}`` / ``incident[...]=``: the resource's own fields."""
    data = body(request).get(name)
    if not isinstance(data, dict) or not data:
        raise V1Error(400, f"param is missing or the value is empty: {name}")
    return data


# Values (a form sends every value as a string)


def boolean(data: dict, field: str, default: bool | None = None) -> bool | None:
    value = data.get(field, default)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "t", "yes"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "f", "no", ""):
        return False
    raise V1Error(422, f"{field} must be true or false.")


def string(data: dict, field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise V1Error(422, f"{field} must be a string.")
    return str(value)


def id_list(data: dict, field: str) -> list[str] | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value] if value else []
    if isinstance(value, dict):  # a form's component_ids[0]=...
        value = list(value.values())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise V1Error(422, f"{field} must be a list of ids.")
    return [v for v in value if v]


def status_map(data: dict, field: str = "components") -> dict[str, str] | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise V1Error(422, f"{field} must map component ids to statuses.")
    return value


def pagination(request: HttpRequest) -> tuple[int, int]:
    """(offset, size) from ``page`` (from 1) and ``per_page`` or ``limit`` (at most 100)."""

    def number(name: str, default: int, most: int) -> int:
        raw = request.GET.get(name)
        if raw in (None, ""):
            return default
        if not raw.isdigit() or int(raw) < 1:
            raise V1Error(400, f"{name} must be a whole number from 1.")
        return min(int(raw), most)

    size = number("per_page", 0, MAX_PER_PAGE) or number("limit", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    page = number("page", 1, 100_000)
    return (page - 1) * size, size


def paged(request: HttpRequest, queryset) -> list:
    offset, size = pagination(request)
    return list(queryset[offset : offset + size])


def page_of(ref: str) -> Page:
    if valid_id(ref):
        page = Page.objects.filter(code=ref).first()
        if page is not None:
            return page
    raise not_found("page")


# Routes


def _lifecycle_message(exc: LifecycleError) -> str:
    parts = []
    for field, message in exc.errors.items():
        parts.append(str(message) if field == "__all__" else f"{field}: {message}")
    return "; ".join(parts) or str(exc)


READ_METHODS = {"GET", "HEAD"}
Handler = Callable[..., HttpResponse]


def resource(
    handlers: dict[str, tuple[TokenScope, Handler]],
) -> Callable[..., HttpResponse]:
    """One URL's view: method -> (scope needed, handler); errors in Statuspage's shape.

    A write runs in one transaction with everything it calls, so a request that
    fails half-way (a second lifecycle call refused) leaves nothing behind.
    """

    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        method = "GET" if request.method == "HEAD" else request.method
        if method not in handlers:
            allowed = ", ".join(sorted(handlers))
            response = error_response(405, f"{request.method} is not allowed here ({allowed}).")
            response["Allow"] = allowed
            return response
        scope, handler = handlers[method]
        try:
            request.auth = authenticate(request, scope)
            if method in READ_METHODS:
                return handler(request, **kwargs)
            with transaction.atomic():
                return handler(request, **kwargs)
        except V1Error as exc:
            return error_response(exc.status, exc.message)
        except ConflictError as exc:
            return error_response(409, _lifecycle_message(exc))
        except LifecycleError as exc:
            return error_response(422, _lifecycle_message(exc))
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            text = "; ".join(
                f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in messages.items()
            )
            return error_response(422, text)
        except ObjectDoesNotExist:
            return error_response(404, "Not found.")
        except Exception:
            logger.exception("/v1/ error on %s %s", request.method, request.path)
            return error_response(500, "Something went wrong on our side; nothing was changed.")

    return view


def unsupported(feature: str) -> Callable[..., HttpResponse]:
    """A Statuspage path Aviso does not serve: said so, in Statuspage's error shape."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        if find_token(raw_key(request)) is None:
            return error_response(401, "Could not authenticate")
        return error_response(501, f"Aviso does not support {feature} (see docs/statuspage-v1.md).")

    return view
