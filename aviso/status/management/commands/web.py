"""``aviso web``: the Django app under granian."""

from __future__ import annotations

import os
import shutil
import sys

from django.core.management.base import BaseCommand, CommandError

from aviso.lib.env import envint
from aviso.status.staticfiles import collect_static_if_changed


def default_workers() -> int:
    return max(1, envint("AVISO_WEB_WORKERS", os.cpu_count() or 1))


def granian_argv(host: str, port: int, workers: int) -> list[str]:
    granian = shutil.which("granian") or os.path.join(os.path.dirname(sys.executable), "granian")
    if not os.path.exists(granian):
        raise CommandError("granian is not installed; run `pip install -e .`")
    return [
        granian,
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        # Each worker handles requests on a few threads; the public pages are
        # answered from snapshots, so threads do not turn into DB connections.
        "--blocking-threads",
        str(envint("AVISO_WEB_THREADS", 4)),
        "--no-ws",
        "aviso.wsgi:application",
    ]


class Command(BaseCommand):
    help = "Serve the web app with granian (workers default to the number of cores)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("AVISO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=envint("AVISO_PORT", 8000))
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args, host: str, port: int, workers: int | None, **options):
        collect_static_if_changed()
        argv = granian_argv(host, port, workers or default_workers())
        self.stdout.write(f"Serving on http://{host}:{port}/")
        self.stdout.flush()
        os.execv(argv[0], argv)
