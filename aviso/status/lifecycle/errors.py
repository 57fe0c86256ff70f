from __future__ import annotations


class LifecycleError(Exception):
    """A change refused with a message per field; nothing was stored."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"__all__": errors}
        self.errors = errors
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in errors.items()))


class ConflictError(LifecycleError):
    """The object changed since the caller read it (a stale form or request)."""
