"""``aviso demo``: load the seed's page (Jelou) as demo data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from aviso.demo.loader import load_demo
from aviso.status.models import Page


class Command(BaseCommand):
    help = "Load the seed's status page (Jelou, America/Guayaquil) with its three incidents."

    def handle(self, *args, **options):
        if Page.objects.filter(slug="jelou").exists():
            raise CommandError(
                gettext("The demo page (slug 'jelou') already exists; nothing loaded.")
            )
        page = load_demo()
        self.stdout.write(
            gettext("Demo page %(name)r loaded: /history?through=2026-07 reads like the seed.")
            % {"name": page.name}
        )
