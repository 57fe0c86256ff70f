"""``aviso scenario NAME``: replay one of the seed's incidents end to end on this
machine and print its timeline.

It runs in a throwaway data dir (a fresh SQLite database, migrated first) so a
replay never touches a page people use: the command re-runs itself in a child
process with ``AVISO_DATA_DIR`` pointing at a temporary directory.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

SCENARIOS = ("dependency-cut", "campaign-spike", "db-saturation")
SANDBOX = "AVISO_SCENARIO_SANDBOX"


def _load(name: str):
    if name == "dependency-cut":
        from aviso.scenarios import dependency_cut

        return dependency_cut.run
    if name == "campaign-spike":
        from aviso.scenarios import campaign_spike

        return campaign_spike.run
    if name == "db-saturation":
        from aviso.scenarios import db_saturation
        from aviso.scenarios.pg import ADMIN_DSN, pg_available

        if not pg_available():
            raise CommandError(
                f"db-saturation needs a PostgreSQL superuser at {ADMIN_DSN!r}"
                " (set AVISO_SCENARIO_PG_DSN)"
            )

        return db_saturation.run
    raise CommandError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")


def _public_page(incident) -> str:
    """The public incident page as served, with its stylesheet inlined so the file
    renders on its own (for the screenshot)."""
    html = Client().get(f"/incidents/{incident.code}").content.decode()
    css_path = finders.find("status/status.css")
    if css_path:
        css = Path(css_path).read_text()
        html = re.sub(
            r'<link rel="stylesheet" href="[^"]*status\.css[^"]*">',
            lambda _: f"<style>{css}</style>",
            html,
        )
    return html


def _emails(messages: list[tuple[list[str], bytes]]) -> list[dict]:
    """Who got which subject and which body: what the test reads to find a lost or
    doubled notice (two updates may share a subject; a doubled one shares its body)."""
    found = []
    for recipients, raw in messages:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(parsed["Subject"])
        part = parsed.get_body(("plain", "html")) or parsed
        text = part.get_payload(decode=True) or b""
        digest = hashlib.sha256(text).hexdigest()[:16]
        found += [{"to": r, "subject": subject, "body": digest} for r in recipients]
    return found


class Command(BaseCommand):
    help = "Replay one of the seed's incidents end to end: " + ", ".join(SCENARIOS)

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", choices=SCENARIOS)
        parser.add_argument(
            "--artifacts", default="", help="write timeline.txt, outcome.json, incident.html here"
        )
        parser.add_argument(
            "--on-demo",
            action="store_true",
            help="play it on the running demo (aviso up --demo, same data dir) instead",
        )

    def handle(self, *args, name: str, artifacts: str, on_demo: bool, **options) -> None:
        if on_demo:
            self._on_demo(name)
            return
        if not os.environ.get(SANDBOX):
            self._sandboxed(name, artifacts)
            return
        run = _load(name)
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        from aviso.scenarios.harness import Harness, ScenarioFailed

        harness = Harness()
        try:
            outcome = run(harness)
        except ScenarioFailed as error:
            self.stdout.write(harness.timeline.render(name, {}))
            raise CommandError(f"scenario {name} failed: {error}") from error
        finally:
            harness.stop()
        outcome.durations["whole run"] = time.monotonic() - started
        outcome.extra["slack_texts"] = [m.get("text", "") for m in harness.slack_messages()]
        outcome.extra["slack_delivery_keys"] = harness.slack_delivery_keys()
        outcome.extra["emails"] = _emails(harness.smtp.messages)
        text = harness.timeline.render(outcome.title, outcome.durations)
        text += "\n\n  notices to each subscriber: " + ", ".join(
            f"{a} {n}" for a, n in outcome.notices_per_subscriber.items()
        )
        text += f" (expected {outcome.notices_expected} each)"
        text += f"\n  operator alerts on Slack: {outcome.slack_messages}"
        text += f"\n  public incident page: /incidents/{outcome.incident.code}\n"
        self.stdout.write(text)
        if artifacts:
            out = Path(artifacts)
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{name}.timeline.txt").write_text(text)
            (out / f"{name}.outcome.json").write_text(outcome.as_json(harness.timeline))
            (out / f"{name}.incident.html").write_text(_public_page(outcome.incident))

    def _on_demo(self, name: str) -> None:
        from aviso.demo.live import running_demo
        from aviso.demo.plays import PlayFailed, play

        if running_demo() is None:
            raise CommandError(
                "No demo runs on this data dir: start it with `make run` (aviso up --demo), "
                "with the same AVISO_DATA_DIR, then play again."
            )
        try:
            play(name, say=lambda line: (self.stdout.write(line), self.stdout.flush()))
        except PlayFailed as error:
            raise CommandError(f"scenario {name} on the demo: {error}") from error

    def _sandboxed(self, name: str, artifacts: str) -> None:
        with tempfile.TemporaryDirectory(prefix="aviso-scenario-") as data_dir:
            env = {
                **os.environ,
                SANDBOX: "1",
                "AVISO_DATA_DIR": data_dir,
                "AVISO_DATABASE_URL": "",
                "DJANGO_SETTINGS_MODULE": "aviso.settings",
            }
            command = [sys.executable, "-m", "aviso", "scenario", name]
            if artifacts:
                command += ["--artifacts", str(Path(artifacts).resolve())]
            code = subprocess.call(command, env=env)
        if code:
            raise CommandError(f"scenario {name} failed (exit status {code})")
