"""``aviso backup FILE``: everything in one gzip'd file, restorable on either engine."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from aviso.config.backup import backup
from aviso.lib.progress import Progress


class Command(BaseCommand):
    help = "Write every row (history, monitors, subscribers, settings) to one file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write, e.g. aviso-2026-07-01.jsonl.gz")

    def handle(self, *args, file: str, **options):
        with Progress(0, "backup", stream=self.stderr._out) as progress:
            count = backup(file, progress=progress)
        self.stdout.write(
            gettext("Wrote %(count)d objects to %(file)s.") % {"count": count, "file": file}
        )
