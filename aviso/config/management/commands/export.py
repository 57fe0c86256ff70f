"""``aviso export [-o FILE] [--schema]``: the running configuration as an apply file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from aviso.config.engine import export_text, json_schema_text


class Command(BaseCommand):
    help = "Write the running configuration as a YAML file that `aviso apply` accepts."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
        parser.add_argument(
            "--schema", action="store_true", help="write the file format's JSON Schema instead"
        )

    def handle(self, *args, output: str | None, schema: bool, **options):
        text = json_schema_text() if schema else export_text()
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
