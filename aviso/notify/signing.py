"""Signatures on subscriber webhooks: HMAC-SHA256 over ``<timestamp>.<body>``.

Header: ``X-Aviso-Signature: t=1751318400,v1=<hex>``. The receiver recomputes
the HMAC with its secret, compares in constant time and rejects old timestamps
(replays). The recipe for receivers is in docs/notifications.md.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Aviso-Signature"
TOLERANCE = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, now: float | None = None) -> bool:
    """What a receiver does; Aviso uses it in its tests and the docs show it."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), given)
