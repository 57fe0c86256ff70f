"""Sealed secrets: credentials stored encrypted, shown only as "set".

A sealed value is a string ``sealed:v1:<Fernet token>``, so it sits in a
``CharField`` or anywhere inside a ``JSONField`` and a backup carries it as it
is, still encrypted. ``Keyring`` holds every key Aviso knows: the first seals,
all unseal (``MultiFernet``), so a key is rotated by putting the new one first,
re-sealing (``aviso reseal``) and then dropping the old one.

Per-kind settings say where their secrets are with paths into the settings
dict (``("dsn",)``, ``("headers", "Authorization")``); ``SecretFields`` is the
mixin that gives a pydantic model those paths. The helpers below seal, unseal
and redact along the paths, and let "unchanged" come back as the placeholder
the console and the API show in place of a secret.

Framework-free: the Django side hands ``keyring_for`` its settings.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "sealed:v1:"
# What the console and the API show instead of a secret that is set; sent back, it
# means "keep the stored one".
REDACTED = "[sealed]"
# The audit log's word for a secret a change replaced (the value itself never appears).
REDACTED_CHANGED = "[sealed, changed]"

Path = tuple[str, ...]


class SealedError(ValueError):
    """A sealed value that none of the configured keys opens."""


def _fernet_key(material: str) -> bytes:
    """A Fernet key as given, or one derived from any other string (a passphrase)."""
    raw = material.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except ValueError:
        pass
    # Stretched, so a weak passphrase costs a dump's thief more than one hash a guess.
    digest = hashlib.scrypt(raw, salt=b"aviso sealed secrets", n=2**14, r=8, p=1, dklen=32)
    return base64.urlsafe_b64encode(digest)


class Keyring:
    """The keys that seal (the first) and unseal (all of them)."""

    def __init__(self, keys: Sequence[str]):
        keys = [k for k in keys if k.strip()]
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._fernet = MultiFernet([Fernet(_fernet_key(k)) for k in keys])

    def seal(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def unseal(self, value: str) -> str:
        if not is_sealed(value):
            return value
        try:
            return self._fernet.decrypt(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SealedError(
                "a sealed secret does not open with AVISO_ENCRYPTION_KEY "
                "(it was sealed with another key)"
            ) from None

    def opens(self, value: str) -> bool:
        try:
            self.unseal(value)
        except SealedError:
            return False
        return True

    def rotate(self, value: str) -> str:
        """The same secret sealed with the first key (a no-op for a plain string)."""
        if not is_sealed(value):
            return value
        try:
            return PREFIX + self._fernet.rotate(value.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SealedError("a sealed secret does not open with any configured key") from None


@functools.lru_cache(maxsize=8)
def keyring_for(encryption_keys: tuple[str, ...], secret_key: str) -> Keyring:
    """The configured keys, or one derived from the secret key when none is set."""
    return Keyring(encryption_keys or (f"derived-from-secret-key:{secret_key}",))


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


# --- along paths into per-kind settings ---------------------------------------------


class SecretFields:
    """Mixin for a per-kind settings model: which fields hold secrets.

    ``secret_fields`` lists whole fields; a model whose secrets hide inside a
    mapping (HTTP headers) overrides ``secret_paths``.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def secret_paths(cls, data: dict) -> list[Path]:
        return [(name,) for name in cls.secret_fields if name in data]


def _get(data: dict, path: Path) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _set(data: dict, path: Path, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _copy(data: dict) -> dict:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in data.items()}


def seal_paths(
    keyring: Keyring, data: dict, paths: Iterable[Path], stored: dict | None = None
) -> dict:
    """``data`` (plain) with its secrets sealed. A secret equal to the one in ``stored``
    keeps its old token, so an unchanged secret is not a change."""
    sealed = _copy(data)
    for path in paths:
        value = _get(sealed, path)
        if not isinstance(value, str) or not value or is_sealed(value):
            continue
        old = _get(stored or {}, path)
        if is_sealed(old) and keyring.opens(old) and keyring.unseal(old) == value:
            _set(sealed, path, old)
        else:
            _set(sealed, path, keyring.seal(value))
    return sealed


def unseal_paths(keyring: Keyring, data: dict, paths: Iterable[Path]) -> dict:
    """``data`` with its sealed secrets opened (for the code that uses them)."""
    opened = _copy(data)
    for path in paths:
        value = _get(opened, path)
        if is_sealed(value):
            _set(opened, path, keyring.unseal(value))
    return opened


def redact_paths(data: dict, paths: Iterable[Path], before: dict | None = None) -> dict:
    """``data`` with every secret that is set shown as ``REDACTED``. Given ``before``,
    a secret that differs from it shows as ``REDACTED_CHANGED`` (for audit entries)."""
    shown = _copy(data)
    for path in paths:
        value = _get(shown, path)
        if isinstance(value, str) and value:
            changed = before is not None and _get(before, path) != value
            _set(shown, path, REDACTED_CHANGED if changed else REDACTED)
    return shown


def fill_kept(
    keyring: Keyring, data: dict, stored: dict | None, paths: Iterable[Path]
) -> tuple[dict, dict[str, str]]:
    """Put the stored (opened) secret wherever ``data`` says ``REDACTED`` ("keep it").

    Returns the filled data and, per dotted path, an error where there is no
    stored secret to keep.
    """
    filled = _copy(data)
    errors: dict[str, str] = {}
    for path in paths:
        if _get(filled, path) != REDACTED:
            continue
        old = _get(stored or {}, path)
        if isinstance(old, str) and old:
            _set(filled, path, keyring.unseal(old))
        else:
            errors[".".join(path)] = (
                f"no stored secret to keep: give the value itself, not {REDACTED}"
            )
    return filled, errors


# --- anywhere in a stored value (backups, re-sealing) --------------------------------


def sealed_values(value: Any) -> Iterator[str]:
    """Every sealed string inside a JSON-like value."""
    if is_sealed(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from sealed_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from sealed_values(item)


def rotate_all(keyring: Keyring, value: Any) -> Any:
    """``value`` with every sealed string in it re-sealed with the first key."""
    if is_sealed(value):
        return keyring.rotate(value)
    if isinstance(value, dict):
        return {k: rotate_all(keyring, v) for k, v in value.items()}
    if isinstance(value, list):
        return [rotate_all(keyring, v) for v in value]
    return value
