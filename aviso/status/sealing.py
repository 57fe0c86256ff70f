"""Sealed secrets on the Django side: the configured keyring and the sealed columns.

``aviso.lib.sealed`` does the cryptography; this module gives it the keys from
settings (``AVISO_ENCRYPTION_KEY``, else one derived from the secret key) and
keeps the list of columns that hold sealed values. Apps register their columns
in ``ready()`` (monitors' settings, alert channels, subscriber signing
secrets), so ``reseal`` re-seals every one after a key rotation and a restore
can tell a backup made with another key.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import transaction

from aviso.lib.sealed import Keyring, keyring_for, rotate_all, sealed_values

# (model label, field name), e.g. ("monitors.Monitor", "config").
SEALED_COLUMNS: list[tuple[str, str]] = []


def keyring() -> Keyring:
    return keyring_for(tuple(getattr(settings, "ENCRYPTION_KEYS", ())), settings.SECRET_KEY)


def register_sealed(label: str, field: str) -> None:
    if (label, field) not in SEALED_COLUMNS:
        SEALED_COLUMNS.append((label, field))


def first_sealed(using: str = "default") -> str | None:
    """One sealed value stored anywhere (to check the keys open it), or None."""
    for label, field in SEALED_COLUMNS:
        model = apps.get_model(label)
        for value in model._default_manager.using(using).values_list(field, flat=True).iterator():
            for sealed in sealed_values(value):
                return sealed
    return None


def reseal(using: str = "default") -> int:
    """Re-seal every stored secret with the first key; returns the rows changed.

    Run after putting a new key first in ``AVISO_ENCRYPTION_KEY``; the old key
    can be dropped once it has run. One transaction: a value no key opens
    stops it with nothing changed.
    """
    ring = keyring()
    changed = 0
    with transaction.atomic(using=using):
        for label, field in SEALED_COLUMNS:
            model = apps.get_model(label)
            rows = model._default_manager.using(using).select_for_update().values_list("pk", field)
            for pk, value in rows:
                rotated = rotate_all(ring, value)
                if rotated != value:
                    model._default_manager.using(using).filter(pk=pk).update(**{field: rotated})
                    changed += 1
    return changed
