"""The ``aviso`` command: each verb is a Django management command.

``aviso up``, ``aviso web``, ``aviso worker``, ``aviso checker``, ``aviso demo``,
``aviso createadmin`` ... and ``aviso manage ARGS`` for any other Django command.
"""

from __future__ import annotations

import os
import sys


def shell_language(environ: dict[str, str]) -> str | None:
    """The language the shell asks for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        # "es_EC.UTF-8@euro" -> "es_EC"; LANGUAGE may list several: "pt_BR:pt".
        value = environ.get(name, "").split(":")[0].split(".")[0].split("@")[0]
        if value and value not in {"C", "POSIX"}:
            return value
    return None


def speak_the_shells_language() -> None:
    """Messages people read come in the shell's language when Aviso has its catalog."""
    from django.utils import translation

    wanted = shell_language(dict(os.environ))
    if wanted is None:
        return
    try:
        code = translation.get_supported_language_variant(translation.to_language(wanted))
    except LookupError:
        return  # a language Aviso does not ship: English, the source language
    translation.activate(code)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__.strip())
        print(
            "\nVerbs: up, web, worker, checker, demo, publish, apply, export, "
            "import, backup, restore, reseal, createadmin, token, inbound-mail, manage"
        )
        return
    verb = argv[0]
    if verb == "inbound-mail":  # verbs read with a hyphen; Django's command has an underscore
        verb = argv[0] = "inbound_mail"
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
        import django

        django.setup()
        speak_the_shells_language()
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
