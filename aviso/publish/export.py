"""``aviso publish --out DIR``: the whole public site as static files.

Pages become ``index.html``, ``history.html``, ``history-YYYY-MM.html``,
``incidents/<code>.html`` and ``maintenances/<code>.html``; JSON, feeds and
badges keep their paths; the stylesheet is copied under ``static/``. Every
link between them is relative, so the directory works from any sub-path of
any web server, object store or CDN. Files are only rewritten when their bytes
change, and files an earlier export wrote that are no longer part of the site
(a deleted incident) are removed; nothing else in DIR is touched.
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from aviso.publish.render import published_pages, render_site, site_languages
from aviso.publish.store import Snapshot, _atomic_write
from aviso.status import links
from aviso.status.routing import page_path_prefix

log = logging.getLogger(__name__)

LEDGER = ".aviso-publish.json"  # the files the last export wrote
_LINK = re.compile(rb'(?:href|src)="([^"#?]+)')


def export_site(out: Path) -> list[str]:
    """Write the site into ``out``; returns the relative names of the files it holds.

    The first page is at the top of ``out``; every other published page in
    ``p/<slug>/`` with its own copy of the static files, so each folder works
    on its own wherever it is served from.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes] = {}
    for page in published_pages():
        # The page's first language; other languages are live only (docs/i18n.md).
        first = site_languages(page)[:1]
        snapshots = render_site(windows=None, export=True, languages=first, page=page)
        prefix = page_path_prefix(page)
        folder = prefix.lstrip("/") + "/" if prefix else ""
        files: dict[str, Snapshot] = {}
        for snap in snapshots:
            name = links.export_file(snap.path[len(prefix) :])
            if name is not None:
                files[folder + name] = snap
        written.update({name: snap.body for name, snap in files.items()})
        for name, source in _static_files(files, folder).items():
            written[name] = source.read_bytes()
    for name, data in written.items():
        target = out / name
        if not (target.is_file() and target.read_bytes() == data):
            _atomic_write(target, data)
    _remove_stale(out, set(written))
    _atomic_write(out / LEDGER, json.dumps(sorted(written), indent=1).encode())
    return sorted(written)


def _static_files(files: dict[str, Snapshot], folder: str) -> dict[str, Path]:
    """Static files the HTML links to (``<folder>static/...`` once the relative link is
    resolved), by the name they are written to."""
    prefix = folder + settings.STATIC_URL.lstrip("/")
    if settings.STATIC_URL.startswith(("http:", "https:", "//")):
        return {}  # served from elsewhere; nothing to copy
    found: dict[str, Path] = {}
    for file_name, snap in files.items():
        if not snap.content_type.startswith("text/html"):
            continue
        page_dir = posixpath.dirname(file_name)
        for match in _LINK.finditer(snap.body):
            link = match.group(1).decode()
            if "://" in link or link.startswith("/"):
                continue
            name = posixpath.normpath(posixpath.join(page_dir, link))
            if not name.startswith(prefix) or name in found:
                continue
            source = _static_source(name[len(prefix) :])
            if source is None:
                log.warning("static file %s is linked but not found", name)
                continue
            found[name] = source
    return found


def _static_source(name: str) -> Path | None:
    collected = Path(settings.STATIC_ROOT) / name
    if collected.is_file():
        return collected
    located = finders.find(name)
    return Path(located) if located else None


def _remove_stale(out: Path, keep: set[str]) -> None:
    try:
        previous = set(json.loads((out / LEDGER).read_text()))
    except (FileNotFoundError, ValueError):
        return
    for name in previous - keep:
        path = (out / name).resolve()
        if out.resolve() in path.parents:
            path.unlink(missing_ok=True)
            _remove_empty_parents(path.parent, out.resolve())


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
