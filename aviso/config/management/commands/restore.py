"""``aviso restore FILE``: load a backup into an empty database (SQLite or PostgreSQL)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from aviso.config.backup import BackupError, restore
from aviso.lib.progress import Progress


class Command(BaseCommand):
    help = "Restore a file made by `aviso backup` into an empty database, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            with Progress(0, "restore", stream=self.stderr._out) as progress:
                count = restore(file, progress=progress)
        except BackupError as exc:
            raise CommandError(f"{file}: {exc}; nothing was restored") from None
        self.stdout.write(f"Restored {count} objects from {file}.")
