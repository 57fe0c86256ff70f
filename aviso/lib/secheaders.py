"""The security headers of every answer: Content-Security-Policy, HSTS and friends.

Framework-free, so the snapshot layer (aviso/publish/wsgi.py), which answers
before Django, sends the same headers as Django does.

Public pages need no JavaScript, so their policy allows no script at all, not
even from our own origin. The console loads htmx from a static file and may
run an inline script only with the request's nonce; its pages keep a few
inline styles, which cannot run code.
"""

from __future__ import annotations

PUBLIC_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

HSTS_SECONDS = 31_536_000  # a year, as browsers' preload lists expect


def console_csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def public_headers(*, https: bool) -> list[tuple[str, str]]:
    """What every public answer carries, snapshot or not."""
    headers = [
        ("Content-Security-Policy", PUBLIC_CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if https:
        # Browsers ignore it over plain http, so sending it on every answer is safe.
        headers.append(("Strict-Transport-Security", f"max-age={HSTS_SECONDS}"))
    return headers


def parse_proxy_header(value: str) -> tuple[str, str] | None:
    """``AVISO_SECURE_PROXY_HEADER`` ("X-Forwarded-Proto" or "X-Forwarded-Proto: https")
    as Django's ``SECURE_PROXY_SSL_HEADER``; ValueError says what is wrong."""
    value = value.strip()
    if not value:
        return None
    name, _, expected = value.partition(":")
    name, expected = name.strip(), expected.strip() or "https"
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ValueError(
            f"AVISO_SECURE_PROXY_HEADER must be a header name like X-Forwarded-Proto, not {value!r}"
        )
    return "HTTP_" + name.upper().replace("-", "_"), expected
