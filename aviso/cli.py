"""The ``aviso`` command: each verb is a Django management command.

``aviso up``, ``aviso web``, ``aviso worker``, ``aviso checker``, ``aviso demo``,
``aviso createadmin`` ... and ``aviso manage ARGS`` for any other Django command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__.strip())
        print(
            "\nVerbs: up, web, worker, checker, demo, publish, apply, export, "
            "import, backup, restore, reseal, createadmin, token, manage"
        )
        return
    verb = argv[0]
    if verb == "manage":
        argv = argv[1:]
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:  # pragma: no cover - a broken install
        print(
            f"aviso: Django is not installed ({exc}); run `make run` or `pip install -e .`",
            file=sys.stderr,
        )
        sys.exit(2)
    from aviso.readiness import NotReady, ensure_ready

    try:
        if verb != "manage" and not verb.startswith("-"):
            ensure_ready(verb, argv[1:])
        execute_from_command_line(["aviso", *argv])
    except NotReady as exc:
        print(f"aviso {verb}: {exc}", file=sys.stderr)
        sys.exit(2)
    except ValueError as exc:
        # Bad configuration (an AVISO_* variable): one line that says what to fix.
        print(f"aviso: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
