"""Collect static files once, not at every start.

``collectstatic`` with the compressing storage rewrites and compresses every
static file (about 1,000, most of them django-ninja's Swagger UI and the admin)
and took most of a minute per start on the two-core machines; ``aviso up`` ran it
twice (itself and its web child). The files only change when Aviso or a
dependency is upgraded, so a fingerprint of the sources (path, size and
modification time of every file the finders list, plus the storage class) is
kept beside the collected files, and collection runs only when it differs.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

FINGERPRINT_NAME = ".aviso-sources"


def sources_fingerprint() -> str:
    """A digest of every static source file's path, size and mtime, and the storage."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """Run ``collectstatic`` when the sources changed since the last run; True if it ran."""
    marker = Path(settings.STATIC_ROOT) / FINGERPRINT_NAME
    fingerprint = sources_fingerprint()
    if marker.exists() and marker.read_text().strip() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.parent.mkdir(parents=True, exist_ok=True)
    # Written last: a collection cut short leaves no marker and runs again.
    marker.write_text(fingerprint)
    return True
