"""A fixed-window counter in the cache: enough to keep a form from being a mail cannon.

It lives in ``aviso.status.ratelimit`` (private pages' sign-in forms use it too)."""

from __future__ import annotations

from aviso.status.ratelimit import allow, client_address

__all__ = ["allow", "client_address"]
