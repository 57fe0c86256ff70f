"""The thin WSGI layer that answers public requests from snapshots.

It sits in front of Django: a GET or HEAD whose path (and the query parameters
the public views read; any other parameter is ignored) has a
snapshot is answered from memory here, with no middleware, URL resolver,
session or database; everything else goes to Django unchanged. Measured on
the design's two-core machines a bare WSGI callable serves about ten times the
requests of a minimal Django view, and this is that callable.

Languages: a path under a language prefix (``/es/history``) is that
language's permanent address; a bare path is negotiated among the page's
languages (the reader's cookie, then ``Accept-Language``, then the page's
first language) with ``aviso.lib.languages.negotiate``, as Django does, and
answers ``Vary: Accept-Encoding, Accept-Language, Cookie``. Every snapshot
replays the ``Content-Language`` Django gave it.

Pages: ``/p/<slug>/...`` is that page's; any other path is the page whose
domain is the Host, else the first page's (see ``_page``). A page's snapshots
are filed under its prefix (none for the first page), so a key is (page,
language, path). A page without snapshots (a private one) goes to Django.

Each process keeps the current manifest and the snapshots it has served in
memory. It looks for a newer manifest (cache, then disk) at most every
``CHECK_INTERVAL`` seconds, so a new render is served within that time, and
a request never waits on the cache or the disk once its snapshot is loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from aviso.lib.languages import cookie_value, negotiate, split_prefix
from aviso.lib.pagepaths import request_host, split_page
from aviso.lib.secheaders import public_headers
from aviso.publish.store import Manifest, Snapshot, SnapshotStore, page_key

log = logging.getLogger(__name__)

# Seconds between looks for a newer snapshot set: a stat of the manifest and, with
# Redis, one small GET; an unchanged manifest is not read again (store.py).
CHECK_INTERVAL = 0.1
CACHE_CONTROL = "no-cache"  # clients and CDNs revalidate; a 304 costs a few bytes
VARY = "Accept-Encoding"
VARY_NEGOTIATED = "Accept-Encoding, Accept-Language, Cookie"

StartResponse = Callable[..., object]


def _accepted_encodings(header: str) -> set[str]:
    """Codings the client accepts (``q=0`` means refused)."""
    accepted = set()
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        q = params.strip().replace(" ", "")
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        if name:
            accepted.add(name)
    return accepted


def _etag_matches(header: str, digest: str) -> bool:
    if header.strip() == "*":
        return True
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        # A CDN or proxy may append its coding to our tag ("abc-gzip"); the body is the same.
        if tag.strip('"').split("-", 1)[0] == digest:
            return True
    return False


def query_names(keys: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each snapshotted path, the query parameters its snapshot keys use."""
    names: dict[str, set[str]] = {}
    for key in keys:
        path, _, query = key.partition("?")
        names.setdefault(path, set()).update(n for n, _ in parse_qsl(query, keep_blank_values=True))
    return {path: frozenset(found) for path, found in names.items()}


def snapshot_key(path: str, query: str, known: frozenset[str]) -> str:
    """The snapshot key a request maps to.

    The public views read only the parameters the renderer puts in snapshot
    keys (``/history?through=``), so any other parameter (``utm_source``, a
    cache buster) changes nothing in the answer: it is dropped, and the
    request is served from the same snapshot as the bare address instead of
    reaching Django and the database. A repeated parameter keeps its last
    value, as Django's ``request.GET.get`` does.
    """
    if not query:
        return path
    kept = {name: value for name, value in parse_qsl(query, keep_blank_values=True)
            if name in known}  # fmt: skip
    return f"{path}?{urlencode(sorted(kept.items()))}" if kept else path


class _Prepared:
    """A snapshot with its three header lists built once, so a hit only picks one."""

    __slots__ = ("not_modified", "snapshot", "variants")

    def __init__(self, snap: Snapshot, extra: list[tuple[str, str]], vary: str = VARY) -> None:
        self.snapshot = snap
        common = [
            ("Content-Type", snap.content_type),
            ("Cache-Control", CACHE_CONTROL),
            ("Vary", vary),
            *snap.headers,
            *extra,
        ]
        self.variants: dict[str, tuple[bytes, list[tuple[str, str]]]] = {}
        for coding, body in (("br", snap.br), ("gzip", snap.gzip), ("identity", snap.body)):
            if body is None:
                continue
            headers = [*common, ("Content-Length", str(len(body)))]
            if coding == "identity":
                headers.append(("ETag", snap.etag))
            else:
                headers += [("Content-Encoding", coding), ("ETag", f'"{snap.digest}-{coding}"')]
            self.variants[coding] = (body, headers)
        self.not_modified = [
            ("ETag", snap.etag),
            ("Cache-Control", CACHE_CONTROL),
            ("Vary", vary),
            *extra,
        ]

    def choose(self, accept_encoding: str) -> tuple[bytes, list[tuple[str, str]]]:
        if accept_encoding and len(self.variants) > 1:
            accepted = _accepted_encodings(accept_encoding)
            for coding in ("br", "gzip"):
                if coding in accepted and coding in self.variants:
                    return self.variants[coding]
        return self.variants["identity"]


class SnapshotApp:
    """WSGI app: snapshots first, then ``fallback`` (the Django app)."""

    def __init__(
        self,
        fallback: Callable,
        store: SnapshotStore | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        self.fallback = fallback
        self.store = store or SnapshotStore()
        # The security headers Django's middleware would add (aviso.lib.secheaders).
        self.headers = public_headers(https=False) if headers is None else headers
        self._manifest: Manifest | None = None
        self._prepared: dict[tuple[str, bool], _Prepared] = {}
        self._query_names: dict[str, frozenset[str]] = {}
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < CHECK_INTERVAL:
            return
        with self._lock:
            if now - self._checked_at < CHECK_INTERVAL:
                return
            try:
                manifest = self.store.read_manifest()
            except Exception:
                log.exception("could not read the snapshot manifest; keeping the last one")
                manifest = self._manifest
            if manifest is not None and (
                self._manifest is None or manifest.generation != self._manifest.generation
            ):
                self._manifest = manifest
                self._prepared = {}
                self._query_names = query_names(manifest.entries)
            self._checked_at = now

    def lookup(self, key: str, *, negotiated: bool = False) -> _Prepared | None:
        """The snapshot filed under ``key``; ``negotiated`` answers carry the wider Vary."""
        self._refresh()
        prepared = self._prepared.get((key, negotiated))
        if prepared is not None:
            return prepared
        manifest = self._manifest
        if manifest is None or key not in manifest.entries:
            return None
        try:
            snap = self.store.load(key, manifest.entries[key])
        except OSError:
            log.exception("snapshot of %s unreadable; Django answers it", key)
            return None
        if snap is None:
            return None
        prepared = _Prepared(snap, self.headers, VARY_NEGOTIATED if negotiated else VARY)
        if manifest is self._manifest:  # not replaced meanwhile
            self._prepared[(key, negotiated)] = prepared
        return prepared

    def _page(self, environ: dict, path: str) -> tuple[str, list[str], str] | None:
        """(key prefix, languages, rest of the path) of the page a request is for.

        ``/p/<slug>/...`` names the page; otherwise the Host does when it is a
        page's domain; otherwise it is the first page. None when that page has
        no snapshots (a private page, a slug no page has): Django answers.
        """
        manifest = self._manifest
        if manifest is None:
            return None
        if not manifest.pages:  # a set from before there were several pages
            return "", manifest.languages, path
        slug, rest = split_page(path)
        if slug is None:
            if path == "/p" or path.startswith("/p/"):
                return None  # "/p/<slug>" (Django adds the slash) or a malformed slug
            host = request_host(environ.get("HTTP_HOST", "") or environ.get("SERVER_NAME", ""))
            slug = manifest.domains.get(host, manifest.first)
        info = manifest.pages.get(slug)
        if info is None:
            return None
        return str(info.get("prefix", "")), list(info.get("languages", ())), rest

    def _key(self, environ: dict, path: str, query: str) -> tuple[str, bool] | None:
        """The snapshot key a request asks for, and whether its language was negotiated."""
        self._refresh()
        found = self._page(environ, path)
        if found is None:
            return None
        prefix, codes, path = found
        code, rest = split_prefix(path)
        negotiated = False
        if code is not None:
            if code not in codes or rest == "/" and not path.endswith("/"):
                return None  # another page's language, or "/es" (Django adds the slash)
            key = page_key(prefix, code, rest, codes)
        elif len(codes) < 2:
            key = prefix + path
        else:
            chosen = negotiate(
                codes,
                cookie=cookie_value(environ.get("HTTP_COOKIE", "")),
                accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            )
            key, negotiated = page_key(prefix, chosen, path, codes), True
        known = self._query_names.get(key, frozenset())
        return snapshot_key(key, query, known), negotiated

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET" or method == "HEAD":
            path = environ.get("PATH_INFO", "") or "/"
            found = self._key(environ, path, environ.get("QUERY_STRING", ""))
            prepared = self.lookup(found[0], negotiated=found[1]) if found else None
            if prepared is not None:
                return self._serve(prepared, environ, start_response, method)
        return self.fallback(environ, start_response)

    @staticmethod
    def _serve(
        prepared: _Prepared, environ: dict, start_response: StartResponse, method: str
    ) -> Iterable[bytes]:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match and _etag_matches(if_none_match, prepared.snapshot.digest):
            start_response("304 Not Modified", list(prepared.not_modified))
            return [b""]
        body, headers = prepared.choose(environ.get("HTTP_ACCEPT_ENCODING", ""))
        start_response("200 OK", list(headers))
        return [b""] if method == "HEAD" else [body]
