"""Public object ids in Statuspage's shape: 12 lowercase base36 characters."""

from __future__ import annotations

import secrets
import string

ALPHABET = string.digits + string.ascii_lowercase


def new_code(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
