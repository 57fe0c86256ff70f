"""``aviso import statuspage --from DIR_OR_URL [--page SLUG]``: bring a hosted page's history."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from aviso.config.statuspage_import import import_statuspage
from aviso.config.statuspage_source import StatuspageError
from aviso.lib.progress import Progress


class Command(BaseCommand):
    help = (
        "Import a Statuspage page (summary, components, incidents with every update, "
        "scheduled maintenances) from a directory of its v2 JSON files or its base URL. "
        "Re-running updates instead of duplicating."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=["statuspage"], help="what to import from")
        parser.add_argument(
            "--from",
            dest="location",
            required=True,
            help="a directory with summary.json, components.json, incidents.json, "
            "scheduled-maintenances.json, or the page's URL (its /api/v2 is read)",
        )
        parser.add_argument("--page", dest="slug", help="the slug of the page to import into")

    def handle(self, *args, source: str, location: str, slug: str | None, **options):
        try:
            with Progress(0, "import", stream=self.stderr._out) as progress:
                report = import_statuspage(location, slug=slug, progress=progress)
        except StatuspageError as exc:
            raise CommandError(
                gettext("%(error)s; nothing was imported") % {"error": exc}
            ) from None
        for warning in report.warnings:
            self.stderr.write(gettext("warning: %(warning)s") % {"warning": warning})
        self.stdout.write(report.summary())
