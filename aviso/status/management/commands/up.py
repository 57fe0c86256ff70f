"""``aviso up``: everything in one process group on the embedded default.

Migrates, loads the demo when asked and the database is empty, creates the
first admin (printing the login once), then runs web, worker and checker as
child processes until interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from aviso.status.management.commands.createadmin import ensure_admin
from aviso.status.models import Page


class Command(BaseCommand):
    help = "Run migrations, web, worker and checker together (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="load the demo into an empty database"
        )
        parser.add_argument("--host", default=os.environ.get("AVISO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("AVISO_PORT", "8000")))
        parser.add_argument("--publish-dir", default="", help="keep a static copy of the site here")

    def handle(self, *args, demo: bool, host: str, port: int, publish_dir: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if demo and not Page.objects.exists():
            call_command("demo")
        if not get_user_model().objects.exists():
            _, password = ensure_admin(
                "admin", "admin@localhost", os.environ.get("AVISO_ADMIN_PASSWORD")
            )
            self.stdout.write(
                self.style.SUCCESS(gettext("First start: an admin account was created."))
            )
            self.stdout.write(
                gettext("  Console: %(url)s") % {"url": f"http://{host}:{port}/console/"}
            )
            self.stdout.write(gettext("  Username: %(username)s") % {"username": "admin"})
            shown = password or gettext("(from AVISO_ADMIN_PASSWORD)")
            self.stdout.write(
                gettext("  Password: %(password)s  (shown once)") % {"password": shown}
            )
        commands = get_commands()
        aviso = [sys.executable, "-m", "aviso"]
        children = {
            "web": aviso + ["web", "--host", host, "--port", str(port), "--workers", "1"],
            "worker": aviso + ["worker"],
        }
        if "checker" in commands:
            children["checker"] = aviso + ["checker"]
        env = dict(os.environ)
        if publish_dir:
            # The worker keeps this static copy current after every change.
            env["AVISO_PUBLISH_DIR"] = os.path.abspath(publish_dir)
        procs = {name: subprocess.Popen(argv, env=env) for name, argv in children.items()}
        self.stdout.write(
            gettext("Aviso is up at %(url)s (Ctrl-C to stop)") % {"url": f"http://{host}:{port}/"}
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs.values():
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
