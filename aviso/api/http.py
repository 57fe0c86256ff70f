"""Public, cacheable answers: CORS open, ETag and Last-Modified, 304 on a match, HEAD."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

# Short: a status page must show an incident quickly; the ETag makes revalidation cheap.
MAX_AGE = 10
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified",
    "Access-Control-Max-Age": "86400",
}


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def preflight() -> HttpResponse:
    response = HttpResponse(status=204)
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def public_response(
    request: HttpRequest,
    body: bytes,
    *,
    content_type: str,
    last_modified: dt.datetime | None,
    status: int = 200,
) -> HttpResponse:
    """``body`` with validators; 304 when the client's copy is current; no body for HEAD."""
    etag = etag_for(body)
    modified = int(last_modified.timestamp()) if last_modified else None
    # A 304 (or a 412 for a failed If-Match) when the client's copy decides it.
    conditional = (
        get_conditional_response(request, etag=etag, last_modified=modified)
        if status == 200
        else None
    )
    if conditional is not None:
        response = conditional
    else:
        content = b"" if request.method == "HEAD" else body
        response = HttpResponse(content, content_type=content_type, status=status)
        response["Content-Length"] = str(len(body))
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Encoding"
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response
