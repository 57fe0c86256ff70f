"""Snapshots of public responses: bytes, ETag and headers, in the cache and on disk.

A snapshot set is one *manifest* (site path -> entry) plus content-addressed
*blobs* (the body, and its gzip and brotli forms, named by the body's hash).
Blobs are written before the manifest that names them, and old blobs stay until
the next set replaces them, so a reader holding the previous manifest always
finds its bytes. Everything lives in two places:

- the data dir (``DATA_DIR/snapshots/``): the copy that survives restarts and a
  database outage; the manifest is replaced atomically (write, then rename);
- the Django cache (local memory, or Redis when ``AVISO_REDIS_URL`` is set): with
  Redis every web process on every machine sees a new set at once.

Nothing here touches the database.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

log = logging.getLogger(__name__)

CACHE_PREFIX = "aviso:snapshots:"
MANIFEST_KEY = CACHE_PREFIX + "manifest"
# The manifest's generation alone, so a web process looking for a newer set (every
# tenth of a second) reads a few bytes from Redis, not the whole manifest.
GENERATION_KEY = CACHE_PREFIX + "generation"
BLOB_TIMEOUT = 7 * 24 * 3600  # a blob unused for a week is re-read from disk
COMPRESS_MIN_BYTES = 256
BROTLI_QUALITY = 9  # 11 is a few times slower for a couple of percent


@dataclass(frozen=True)
class Snapshot:
    """One rendered public response and its precompressed forms."""

    path: str  # the site path with its query, e.g. "/history?through=2026-05"
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    gzip: bytes | None = None
    br: bytes | None = None
    digest: str = field(default="")

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'

    @classmethod
    def build(cls, path: str, body: bytes, content_type: str, headers: tuple = ()) -> Snapshot:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        gz = br = None
        if len(body) >= COMPRESS_MIN_BYTES:
            gz = gzip.compress(body, compresslevel=9, mtime=0)
            br = brotli.compress(body, quality=BROTLI_QUALITY)
            gz = gz if len(gz) < len(body) else None
            br = br if len(br) < len(body) else None
        return cls(path, body, content_type, tuple(headers), gz, br, digest)

    def entry(self) -> dict:
        return {
            "digest": self.digest,
            "content_type": self.content_type,
            "headers": [list(h) for h in self.headers],
            "gzip": self.gzip is not None,
            "br": self.br is not None,
        }


def language_key(language: str, path: str, languages: list[str]) -> str:
    """Where a (language, path) snapshot is filed: the page's first language at the bare
    path (``/history``), every other language under its prefix (``/es/history``)."""
    return path if not languages or language == languages[0] else f"/{language}{path}"


def page_key(prefix: str, language: str, path: str, languages: list[str]) -> str:
    """Where a (page, language, path) snapshot is filed: the page's path prefix (none for
    the first page, ``/p/<slug>`` for the others) before its ``language_key``."""
    return prefix + language_key(language, path, languages)


@dataclass
class Manifest:
    """One page's snapshot set: entries by key (see ``language_key``) and its languages."""

    generation: int
    rendered_at: str
    entries: dict[str, dict]
    # The page's languages, its first (the bare paths' default) first.
    languages: list[str] = field(default_factory=list)
    # The renderer that made the set (see ``tasks.render_version``) and when the
    # last full render was: an incremental render builds on a set only when both fit.
    version: str = ""
    full_at: str = ""
    # Every page in the set by slug: {"prefix": "" or "/p/<slug>", "languages": [...]}.
    # A page left out (a private one) is never answered from snapshots.
    pages: dict[str, dict] = field(default_factory=dict)
    # Host name -> slug for every page with a domain, private ones included, so that a
    # private page's host is handed to Django rather than served the first page.
    domains: dict[str, str] = field(default_factory=dict)
    first: str = ""  # the slug of the page served at ``/`` on any other host

    def to_json(self) -> dict:
        return {
            "generation": self.generation,
            "rendered_at": self.rendered_at,
            "entries": self.entries,
            "languages": self.languages,
            "version": self.version,
            "full_at": self.full_at,
            "pages": self.pages,
            "domains": self.domains,
            "first": self.first,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(
            int(data["generation"]),
            str(data["rendered_at"]),
            dict(data["entries"]),
            [str(code) for code in data.get("languages", ())],
            str(data.get("version", "")),
            str(data.get("full_at", "")),
            dict(data.get("pages", {})),
            dict(data.get("domains", {})),
            str(data.get("first", "")),
        )


def snapshot_dir() -> Path:
    return Path(getattr(settings, "AVISO_SNAPSHOT_DIR", "") or settings.DATA_DIR / "snapshots")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        # mkstemp makes owner-only files; a web server serving an export must read them.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cache():
    """The shared cache, or None when it is process-local memory.

    A local-memory cache in the worker would hold bytes no web process can see
    (each web process keeps what it serves in memory itself, read from disk),
    so snapshots go to the cache only when it is shared, i.e. Redis.
    """
    cache = caches["default"]
    return None if isinstance(cache, LocMemCache) else cache


class SnapshotStore:
    """Reads and writes snapshot sets in one directory and the shared cache (if any)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or snapshot_dir()
        # The last manifest parsed from each source, so an unchanged one is not parsed
        # again: the disk's by the file's identity, the cache's by its generation.
        self._disk_seen: tuple[tuple, Manifest | None] | None = None
        self._cache_seen: Manifest | None = None

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    def _blob_path(self, digest: str, suffix: str = "") -> Path:
        return self.directory / "blobs" / digest[:2] / f"{digest}{suffix}"

    # -- writing (the worker) -------------------------------------------------

    def write(
        self,
        snapshots: list[Snapshot],
        *,
        rendered_at: str,
        languages: list[str] | None = None,
        kept: set[str] | None = None,
        version: str = "",
        pages: dict[str, dict] | None = None,
        domains: dict[str, str] | None = None,
        first: str = "",
    ) -> Manifest:
        """Store a set; paths absent from it stop being served from snapshots.

        ``kept`` names keys of the previous set that stay as they are (same blobs):
        an incremental render passes what it did not re-render. Without it the
        set is complete and counts as a full render.
        """
        previous = self.read_manifest()
        generation = (previous.generation if previous else 0) + 1
        for snap in snapshots:
            self._write_blob(snap)
        entries: dict[str, dict] = {}
        full_at = rendered_at
        if kept is not None and previous is not None:
            entries = {key: previous.entries[key] for key in kept if key in previous.entries}
            full_at = previous.full_at
        entries.update({s.path: s.entry() for s in snapshots})
        manifest = Manifest(
            generation,
            rendered_at,
            entries,
            list(languages or ()),
            version,
            full_at,
            dict(pages or {}),
            dict(domains or {}),
            first,
        )
        data = json.dumps(manifest.to_json(), sort_keys=True).encode()
        _atomic_write(self.manifest_path, data)
        cache = _cache()
        if cache is not None:
            try:
                for snap in snapshots:
                    blob = (snap.body, snap.gzip, snap.br)
                    cache.set(self._blob_key(snap.digest), blob, BLOB_TIMEOUT)
                cache.set(MANIFEST_KEY, manifest.to_json(), None)
                cache.set(GENERATION_KEY, generation, None)
            except Exception:  # a cache that is down must not stop the disk copy from counting
                log.exception("snapshot cache write failed; the disk copy is current")
        keep = {e["digest"] for e in manifest.entries.values()}
        if previous:
            keep |= {e["digest"] for e in previous.entries.values()}
        self._collect_garbage(keep)
        return manifest

    def _write_blob(self, snap: Snapshot) -> None:
        for suffix, data in (("", snap.body), (".gz", snap.gzip), (".br", snap.br)):
            path = self._blob_path(snap.digest, suffix)
            if data is not None and not path.exists():
                _atomic_write(path, data)

    def _collect_garbage(self, keep: set[str]) -> None:
        blobs = self.directory / "blobs"
        if not blobs.is_dir():
            return
        for path in blobs.glob("*/*"):
            if path.name.split(".", 1)[0] not in keep and not path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)

    @staticmethod
    def _blob_key(digest: str) -> str:
        return f"{CACHE_PREFIX}blob:{digest}"

    # -- reading (the web layer) ----------------------------------------------

    def read_manifest(self) -> Manifest | None:
        """The newest manifest: the cache's when it has one, else the disk's."""
        try:
            manifest = self._read_cached_manifest()
        except Exception:
            manifest = None  # Redis down: the disk copy answers
        disk = self._read_disk_manifest()
        if manifest is not None:
            # Another process may have written a newer set to disk than our local cache holds.
            if disk is None or disk.generation <= manifest.generation:
                return manifest
        return disk

    def _read_cached_manifest(self) -> Manifest | None:
        cache = _cache()
        if cache is None:
            return None
        seen = self._cache_seen
        if seen is not None and cache.get(GENERATION_KEY) == seen.generation:
            return seen
        cached = cache.get(MANIFEST_KEY)
        self._cache_seen = Manifest.from_json(cached) if cached is not None else None
        return self._cache_seen

    def _read_disk_manifest(self) -> Manifest | None:
        try:
            # The manifest is replaced by a rename, so a new one is a new inode.
            stat = self.manifest_path.stat()
            identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if self._disk_seen is not None and self._disk_seen[0] == identity:
                return self._disk_seen[1]
            manifest = Manifest.from_json(json.loads(self.manifest_path.read_bytes()))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            log.exception("unreadable snapshot manifest at %s", self.manifest_path)
            return None
        self._disk_seen = (identity, manifest)
        return manifest

    def manifest_mtime(self) -> float:
        try:
            return self.manifest_path.stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def load(self, path: str, entry: dict) -> Snapshot | None:
        """The snapshot of ``path`` described by a manifest ``entry``."""
        digest = entry["digest"]
        cache = _cache()
        try:
            blob = cache.get(self._blob_key(digest)) if cache is not None else None
        except Exception:
            blob = None
        if blob is None:
            blob = self._read_disk_blob(digest, entry)
            if blob is None:
                return None
        body, gz, br = blob
        headers = tuple((str(k), str(v)) for k, v in entry.get("headers", ()))
        return Snapshot(path, body, entry["content_type"], headers, gz, br, digest)

    def _read_disk_blob(self, digest: str, entry: dict) -> tuple | None:
        try:
            body = self._blob_path(digest).read_bytes()
            gz = self._blob_path(digest, ".gz").read_bytes() if entry.get("gzip") else None
            br = self._blob_path(digest, ".br").read_bytes() if entry.get("br") else None
        except FileNotFoundError:
            return None
        return body, gz, br

    def get(self, path: str) -> Snapshot | None:
        manifest = self.read_manifest()
        if manifest is None or path not in manifest.entries:
            return None
        return self.load(path, manifest.entries[path])
