"""``python -m aviso.catalogs update|compile``: see the package's docstring."""

from __future__ import annotations

import os
import sys

import django

from aviso.catalogs import compile_all, update


def main(argv: list[str]) -> int:
    verbs = {"update": update, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in verbs:
        print("usage: python -m aviso.catalogs update|compile", file=sys.stderr)  # noqa: T201
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
    django.setup()
    verbs[argv[0]]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
