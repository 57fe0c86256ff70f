"""``aviso publish``: write the public site as static files, or refresh the snapshots."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext

from aviso.publish.export import export_site
from aviso.publish.tasks import render_snapshots
from aviso.status.staticfiles import collect_static_if_changed


class Command(BaseCommand):
    help = (
        "Write the whole public site (HTML, CSS, JSON, feeds) into --out DIR as static files "
        "with relative links, and/or re-render the snapshots the web layer serves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", default="", help="directory to write the static site into")
        parser.add_argument(
            "--snapshots", action="store_true", help="also re-render the live snapshots now"
        )
        parser.add_argument(
            "--no-collect",
            action="store_true",
            help="skip collectstatic (already run by `aviso web` or `aviso up`)",
        )

    def handle(self, *args, out: str, snapshots: bool, no_collect: bool, **options):
        if not out and not snapshots:
            raise CommandError(gettext("say where to write the site: --out DIR (or --snapshots)"))
        target = Path(out).resolve() if out else None
        if target is not None and target.exists() and not target.is_dir():
            raise CommandError(
                gettext("--out %(out)s: exists and is not a directory") % {"out": out}
            )
        try:
            if snapshots:
                render_snapshots(full=True)
                self.stdout.write(gettext("snapshots rendered"))
            if target is not None:
                if not no_collect:
                    # Hashed stylesheet names come from the collected static files.
                    collect_static_if_changed()
                files = export_site(target)
                self.stdout.write(
                    gettext("%(count)d files written to %(target)s")
                    % {"count": len(files), "target": target}
                )
        except DatabaseError as exc:
            raise CommandError(
                (gettext("the database is unreachable: %(error)s") % {"error": exc}).strip()
            ) from exc
        except OSError as exc:
            raise CommandError(
                gettext("cannot write to %(out)s: %(error)s")
                % {"out": out, "error": exc.strerror or exc}
            ) from exc
