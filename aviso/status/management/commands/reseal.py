"""``aviso reseal``: seal every stored secret again with the first encryption key.

The second step of a key rotation (docs/security.md): put the new key first in
``AVISO_ENCRYPTION_KEY``, keep the old one after it, run this, then drop the
old key.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aviso.lib.sealed import SealedError
from aviso.status.sealing import reseal


class Command(BaseCommand):
    help = "Re-seal every stored secret with the first key of AVISO_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        try:
            count = reseal()
        except SealedError as exc:
            raise CommandError(f"{exc}; nothing was changed") from None
        self.stdout.write(f"Re-sealed the secrets of {count} rows with the first key.")
