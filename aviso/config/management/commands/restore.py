"""``aviso restore FILE``: load a backup into an empty database (SQLite or PostgreSQL)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

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
            raise CommandError(
                gettext("%(file)s: %(error)s; nothing was restored") % {"file": file, "error": exc}
            ) from None
        self.stdout.write(
            gettext("Restored %(count)d objects from %(file)s.") % {"count": count, "file": file}
        )
