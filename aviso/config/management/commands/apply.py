"""``aviso apply FILE.yaml [--dry-run] [--prune]``: make the running configuration match a file."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from aviso.config.engine import apply_text, render_plan
from aviso.config.errors import ConfigError
from aviso.lib.progress import Progress


class Command(BaseCommand):
    help = "Apply a configuration file (pages, groups, components ...) in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the YAML file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        parser.add_argument(
            "--prune", action="store_true", help="delete what the file no longer names"
        )

    def handle(self, *args, file: str, dry_run: bool, prune: bool, **options):
        if file == "-":
            text, name = sys.stdin.read(), "<stdin>"
        else:
            try:
                text, name = Path(file).read_text(encoding="utf-8"), file
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(
                    gettext("%(file)s: cannot read: %(error)s") % {"file": file, "error": exc}
                ) from None
        progress = Progress(0, "apply", stream=self.stderr._out)
        try:
            plan = apply_text(text, name, dry_run=dry_run, prune=prune, progress=progress)
        except ConfigError as exc:
            raise CommandError(
                gettext("refused, nothing applied:\n%(error)s") % {"error": exc}
            ) from None
        finally:
            if progress.total:
                progress.finish()
        self.stdout.write(render_plan(plan), ending="")
        if dry_run:
            self.stdout.write(gettext("Dry run: nothing was applied."))
        elif not plan.is_empty:
            self.stdout.write(gettext("Applied."))
