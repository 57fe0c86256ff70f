"""Typed readers for configuration from environment variables.

Secrets may also come from ``NAME_FILE`` (Docker and Kubernetes secrets), so they
need not sit in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path


def envstr(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        # A file named but unreadable or empty is a mistake to stop on, never a
        # reason to fall back to the default (a generated secret key, say).
        try:
            value = Path(file_path).read_text().strip()
        except OSError as exc:
            raise ValueError(f"{name}_FILE: cannot read {file_path}: {exc.strerror}") from None
        if not value:
            raise ValueError(f"{name}_FILE: {file_path} is empty")
        return value
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
