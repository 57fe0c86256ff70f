"""``aviso up``: everything in one process group on the embedded default.

Migrates, loads the demo when asked and the database is empty, creates the
first admin (printing the login once), then runs web, worker and checker as
child processes until interrupted. A child that dies is restarted (with
backoff, said in the log and on ``/healthz``); the others keep running.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, SystemCheckError
from django.utils.translation import gettext

from aviso.readiness import all_migrations_recorded
from aviso.status.demo_hooks import start_demo_hooks
from aviso.status.management.commands.createadmin import ensure_admin
from aviso.status.management.commands.web import granian_argv
from aviso.status.models import Page
from aviso.status.staticfiles import collect_static_if_changed
from aviso.status.supervisor import Supervisor, supervisor_state_path


class Command(BaseCommand):
    help = "Run migrations, web, worker and checker together (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help="load the demo into an empty database"
        )
        parser.add_argument("--host", default=os.environ.get("AVISO_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("AVISO_PORT", "8000")))
        parser.add_argument("--publish-dir", default="", help="keep a static copy of the site here")

    # The system checks run once web is serving (``_serve_then_check``), not before.
    requires_system_checks: list[str] = []

    def handle(self, *args, demo: bool, host: str, port: int, publish_dir: str, **options):
        if not all_migrations_recorded():  # a restart skips loading the migration graph
            call_command("migrate", interactive=False, verbosity=0)
        collect_static_if_changed()
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
            # granian itself, not `aviso web`: static files are collected above, and one
            # Django start-up less is a second or two sooner serving after a restart.
            "web": granian_argv(host, port, 1),
            # The system checks are run here, once: not again in each child.
            "worker": aviso + ["worker", "--skip-checks"],
        }
        if "checker" in commands:
            children["checker"] = aviso + ["checker", "--skip-checks"]
        env = dict(os.environ)
        stops = []
        if demo:
            # Synthetic services for the demo's components, monitors on them.
            extra, stops = start_demo_hooks()
            env.update(extra)
        if publish_dir:
            # The worker keeps this static copy current after every change.
            env["AVISO_PUBLISH_DIR"] = os.path.abspath(publish_dir)
        supervisor = Supervisor(
            children,
            env=env,
            log=lambda line: self.stderr.write(line),
            state_path=supervisor_state_path(),
            max_backoff=float(settings.RESTART_MAX_BACKOFF_SECONDS),
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            gettext("Aviso is up at %(url)s (Ctrl-C to stop)") % {"url": f"http://{host}:{port}/"}
        )
        self.stdout.flush()
        # A child that dies is restarted with backoff; the others are never stopped for it.
        try:
            _serve_then_check(supervisor, host, port, lambda: stopping)
            supervisor.run(lambda: stopping)
        finally:
            for stop_hook in stops:
                stop_hook()


def _web_serving(host: str, port: int) -> bool:
    """Whether web answers HTTP (any status): granian's listener alone accepts before
    its worker can answer. The public page, a snapshot once there is a page (``/healthz``
    would log a 503 while the worker is not up yet)."""
    address = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
    connection = http.client.HTTPConnection(address, port, timeout=2)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return True


def _serve_then_check(supervisor: Supervisor, host: str, port: int, stopping) -> None:
    """Web first, alone: the public page is back before the worker and checker (each a
    Django start-up of its own) compete with it for the CPU. Then the system checks,
    which used to delay serving: an error still stops ``aviso up``, as before."""
    supervisor.start_first(["web"], lambda: _web_serving(host, port), stopping)
    try:
        call_command("check", stdout=io.StringIO())  # problems go to stderr
    except SystemCheckError:
        supervisor.stop()
        raise
