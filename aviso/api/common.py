"""What every router shares: lookups, pagination, documented errors, idempotency keys."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from aviso.api.auth import bearer_value, find_token
from aviso.api.errors import Problem, problem
from aviso.api.models import IdempotentResponse
from aviso.lib.bounds import MAX_OFFSET
from aviso.status.models import Page

# Codes are 12 base36 characters and slugs are plain: anything else cannot exist,
# so it is answered 404 without a query.
_REF = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
MAX_IDEMPOTENCY_KEY = 255


def valid_ref(value: str) -> bool:
    return bool(_REF.match(value or ""))


def get_page(ref: str) -> Page:
    if valid_ref(ref):
        page = Page.objects.filter(Q(code=ref) | Q(slug=ref)).first()
        if page is not None:
            return page
    raise Http404(f"No page {ref!r}.")


def get_by_code(queryset: QuerySet, code: str, what: str):
    if valid_ref(code):
        obj = queryset.filter(code=code).first()
        if obj is not None:
            return obj
    raise Http404(f"No {what} {code!r}.")


def errors(*codes: int) -> dict[int, type[Problem]]:
    """The problem responses an operation documents, beside the ones every one can give."""
    return {code: Problem for code in sorted({400, 401, 403, 404, 413, 422, *codes})}


class Pagination(PaginationBase):
    """``?limit=&offset=``; answers ``{items, count, limit, offset}``."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=200)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        count: int
        limit: int
        offset: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params):
        offset, limit = pagination.offset, pagination.limit
        return {
            "items": list(queryset[offset : offset + limit]),
            "count": self._items_count(queryset),
            "limit": limit,
            "offset": offset,
        }


class _Raced(Exception):
    """Another request with the same key stored its answer first."""


def _replay(stored: IdempotentResponse) -> HttpResponse:
    response = HttpResponse(
        json.dumps(stored.body), status=stored.status_code, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view):
    """Honour an ``Idempotency-Key`` header on a POST: a retry gets the first answer.

    Wraps the whole operation (``ninja.decorators.decorate_view``), so what is
    stored is exactly what was sent. Only successful answers are kept: a
    refused request can be corrected and sent again with the same key.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(request, *args, **kwargs)
        if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
            return problem(
                422,
                "Invalid Idempotency-Key.",
                {"Idempotency-Key": "Use 1 to 255 printable ASCII characters."},
            )
        token = find_token(bearer_value(request))
        if token is None:
            return view(request, *args, **kwargs)  # answered 401 by the operation itself
        try:
            body = request.body
        except Exception:  # too large: let the operation give its own answer
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        stored = IdempotentResponse.objects.filter(token=token, key=key).first()
        if stored is not None:
            if stored.request_digest != digest:
                return problem(
                    422,
                    "This Idempotency-Key was already used for a different request.",
                    {"Idempotency-Key": "Already used for a different request; use a new key."},
                )
            return _replay(stored)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if 200 <= response.status_code < 300:
                    try:
                        with transaction.atomic():
                            IdempotentResponse.objects.create(
                                token=token,
                                key=key,
                                method=request.method,
                                path=request.path[:500],
                                request_digest=digest,
                                status_code=response.status_code,
                                body=json.loads(response.content or b"null"),
                            )
                    except IntegrityError:
                        raise _Raced from None
        except _Raced:
            # Our change was rolled back with the failed insert; answer as the first one did.
            return _replay(IdempotentResponse.objects.get(token=token, key=key))
        return response

    return wrapper
