"""Collect static files once, not at every start.

``collectstatic`` with the compressing storage rewrites and compresses every
static file (about 1,000, most of them django-ninja's Swagger UI and the admin)
and took most of a minute per start on the two-core machines; ``aviso up`` ran it
twice (itself and its web child). The files only change when Aviso or a
dependency is upgraded, so a fingerprint of the sources (path and content
digest of every file the finders list, plus the storage class; about 30 ms for
the ~1,000 files) is kept beside the collected files, and collection runs only
when it differs. Content, not modification times: a reinstall or a fresh clone
of the same files needs no new collection.
"""

from __future__ import annotations

import fcntl
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

FINGERPRINT_NAME = ".aviso-sources"


def sources_fingerprint() -> str:
    """A digest of every static source file's path and content, the storage and
    what it leaves uncompressed."""
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    skipped = ",".join(getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", ()))
    digest = hashlib.sha256(f"{storage}\0{skipped}".encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            content = Path(storage.path(path)).read_bytes()
            entries.append(f"{path}\0{hashlib.sha256(content).hexdigest()}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()


def collect_static_if_changed() -> bool:
    """Run ``collectstatic`` when the sources changed since the last run; True if it ran.

    Several processes may start at once on one folder (``aviso web`` on a shared
    ``AVISO_STATIC_ROOT``, parallel test workers): a lock file makes the others
    wait for the one collecting, then find the marker and skip.
    """
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    marker = root / FINGERPRINT_NAME
    fingerprint = sources_fingerprint()
    with open(root / ".aviso-collect.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text().strip() == fingerprint:
            return False
        marker.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Written last: a collection cut short leaves no marker and runs again.
        marker.write_text(fingerprint)
    return True
