"""``aviso inbound-mail``: the SMTP listener for component automation by email."""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from aviso.integrations.mail import serve


class Command(BaseCommand):
    help = "Listen for mail to component addresses (subject DOWN / UP sets the component)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.INBOUND_MAIL_HOST)
        parser.add_argument("--port", type=int, default=settings.INBOUND_MAIL_PORT)

    def handle(self, *args, host: str, port: int, **options):
        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)

            def started(bound: int) -> None:
                self.stdout.write(f"inbound mail listening on {host}:{bound}", ending="\n")
                self.stdout.flush()

            await serve(host, port, stop, started)

        asyncio.run(main())
        self.stdout.write("inbound mail stopped")
