"""Per-integration secrets: made here, stored sealed, compared in constant time."""

from __future__ import annotations

import hmac
import secrets

from aviso.lib.sealed import SealedError
from aviso.status.sealing import keyring


def new_secret() -> str:
    # Lower-case letters and digits only: it also has to live in a mail address.
    return secrets.token_hex(16)


def seal(secret: str) -> str:
    return keyring().seal(secret)


def opened(sealed: str) -> str | None:
    try:
        return keyring().unseal(sealed)
    except SealedError:
        return None


def matches(sealed: str, given: str) -> bool:
    """``given`` is the secret (False also when the stored one no longer opens)."""
    plain = opened(sealed)
    return plain is not None and bool(given) and hmac.compare_digest(plain, given)
