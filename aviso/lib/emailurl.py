"""Turn ``AVISO_EMAIL_URL`` into Django's email settings.

``smtp://user:password@host:587?starttls=1``, ``smtps://host:465`` or
``console://`` (print to stdout, the default for a local run).
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit


def parse_email_url(url: str) -> dict[str, object]:
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.startswith("locmem:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"AVISO_EMAIL_URL: unsupported scheme {parts.scheme!r}; use smtp://")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if implicit_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": query.get("starttls", "0") in {"1", "true", "yes"},
        "EMAIL_TIMEOUT": int(query.get("timeout", "10")),
    }
