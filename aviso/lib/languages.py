"""The languages Aviso ships, their addresses, and choosing one for a reader.

Framework-free so the snapshot layer (which answers before Django is reached)
and Django's own middleware choose the same language for the same request.

Language codes are Django's (``pt-br``); ``tag`` gives the BCP 47 form
(``pt-BR``) that ``lang`` attributes, ``hreflang`` and ``Content-Language`` use.
Each language has a permanent address under its own path prefix
(``/es/history``); the bare path (``/history``) is negotiated: the reader's
cookie first, then ``Accept-Language``, then the page's first language.
"""

from __future__ import annotations

# (code, name in its own language), in the order the switcher lists them.
SHIPPED: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
)
CODES: tuple[str, ...] = tuple(code for code, _ in SHIPPED)
NATIVE_NAMES: dict[str, str] = dict(SHIPPED)
DEFAULT = "en"

# The cookie that keeps a reader's choice (set by the switcher's links).
COOKIE = "aviso_language"
COOKIE_MAX_AGE = 365 * 24 * 3600


def tag(code: str) -> str:
    """BCP 47 form of a Django language code: ``pt-br`` -> ``pt-BR``."""
    base, _, region = code.partition("-")
    return f"{base}-{region.upper()}" if region else base


def babel_locale(code: str) -> str:
    """The Babel/CLDR locale name of a language code: ``pt-br`` -> ``pt_BR``."""
    base, _, region = code.partition("-")
    return f"{base}_{region.upper()}" if region else base


def normalize(value: str) -> str | None:
    """A shipped code for ``value`` (``pt-BR``, ``pt_br``, ``ES``), or None."""
    code = value.strip().lower().replace("_", "-")
    return code if code in CODES else None


def page_languages(configured: list[str] | tuple[str, ...] | None) -> list[str]:
    """A page's languages, shipped ones only, in its order; English when it names none."""
    found: list[str] = []
    for value in configured or ():
        code = normalize(str(value))
        if code and code not in found:
            found.append(code)
    return found or [DEFAULT]


def split_prefix(path: str) -> tuple[str | None, str]:
    """``/es/history`` -> (``es``, ``/history``); a path with no language prefix -> (None, path)."""
    if not path.startswith("/"):
        return None, path
    first, slash, rest = path[1:].partition("/")
    code = first.lower()
    if code in CODES and first == code:
        return code, "/" + rest
    return None, path


def prefixed(code: str, path: str) -> str:
    """The permanent address of ``path`` in language ``code``: ``/es`` + ``/history``."""
    return f"/{code}{path}"


def _accept_language(header: str) -> list[str]:
    """Language ranges of an ``Accept-Language`` header, best first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:32]):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower().replace("_", "-")
        quality = 1.0
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if name and quality > 0:
            ranked.append((-quality, index, name))
    ranked.sort()
    return [name for _, _, name in ranked]


def negotiate(available: list[str], *, cookie: str = "", accept_language: str = "") -> str:
    """The language to serve a reader among ``available`` (a page's, first is its default).

    The reader's cookie wins when it names an available language; then each
    ``Accept-Language`` range in order: an exact match, then the same base
    language (``pt`` or ``pt-PT`` gets ``pt-br``, ``es-EC`` gets ``es``).
    """
    chosen = normalize(cookie) if cookie else None
    if chosen in available:
        return chosen
    for wanted in _accept_language(accept_language):
        if wanted == "*":
            return available[0]
        if wanted in available:
            return wanted
        base = wanted.split("-", 1)[0]
        for code in available:
            if code.split("-", 1)[0] == base:
                return code
    return available[0]


def cookie_value(header: str, name: str = COOKIE) -> str:
    """One cookie's value from a ``Cookie`` header, without a full parser (the snapshot layer)."""
    for item in header.split(";"):
        key, sep, value = item.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return ""
