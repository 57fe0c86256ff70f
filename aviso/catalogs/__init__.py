"""The translation catalogs: extracted, merged and compiled in pure Python.

One catalog per language, ``aviso/locale/<locale>/LC_MESSAGES/django.po``, holds
every string of every app. English is the source language: the msgids are the
English text, so English has no catalog. The compiled ``.mo`` files are
committed beside the ``.po`` files, so an install needs neither GNU gettext nor
Babel; a test fails when a ``.mo`` no longer matches its ``.po``.

Developers (with Babel, which Aviso also uses for dates)::

    python -m aviso.catalogs update    # extract, merge into every catalog, compile
    python -m aviso.catalogs compile   # compile only, after editing a .po

Extraction reads Python with Babel's extractor and templates through Django's
own ``templatize`` (the same path ``makemessages`` takes), so it needs no
``xgettext``. Merging never fuzzy-matches: a changed msgid arrives untranslated,
and a string no longer in the code leaves the catalogs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: serving pages never needs the extractor
    from babel.messages.catalog import Catalog

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
SOURCE_LANGUAGE = "en"
# Directory names under LOCALE_DIR (Django's "locale names"), in the order shown.
LOCALES = ("es", "pt_BR", "fr", "de", "it")
DOMAIN = "django"

# Django's translation functions and where their arguments sit (Babel's notation).
KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
TEMPLATE_SUFFIXES = (".html", ".txt")
SKIPPED_DIRS = {"tests", "migrations", "locale", "static", "__pycache__", "catalogs"}


def source_files() -> Iterator[Path]:
    """Every Python module and template whose strings belong in the catalogs."""
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py" and path.name not in {"test_settings.py", "testing.py"}:
            yield path
        elif path.suffix in TEMPLATE_SUFFIXES and "templates" in relative.parts:
            yield path


def _python_source(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8")
    if path.suffix in TEMPLATE_SUFFIXES:
        from django.utils.translation.template import templatize

        # Django writes each call on one line (messages as reprs); what lies
        # between is blanked out, and its indentation would trip the tokenizer.
        text = "\n".join(line.lstrip() for line in templatize(text, origin=str(path)).split("\n"))
    return text.encode("utf-8")


def extract() -> Catalog:
    """The template catalog: every marked string in the code, with where it is."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as extract_from
    from babel.messages.extract import extract_python

    template = Catalog(domain=DOMAIN, project="Aviso", fuzzy=False)
    for path in source_files():
        where = path.relative_to(PACKAGE_DIR).as_posix()
        found = extract_from(
            extract_python,
            io.BytesIO(_python_source(path)),
            keywords=KEYWORDS,
            comment_tags=["Translators:"],
            options={"encoding": "utf-8"},
            strip_comment_tags=True,
        )
        for lineno, message, comments, context in found:
            template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(locale: str) -> Catalog:
    from babel.messages.pofile import read_po

    with po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def write(catalog: Catalog, locale: str) -> None:
    from babel.messages.pofile import write_po

    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # No line numbers: they change with every edit and make merges conflict.
    write_po(buffer, catalog, width=0, ignore_obsolete=True, include_lineno=False)
    if not path.exists() or _undated(path.read_bytes()) != _undated(buffer.getvalue()):
        path.write_bytes(buffer.getvalue())


def _undated(po: bytes) -> list[bytes]:
    """The catalog without its creation date, which changes on every extraction."""
    return [line for line in po.splitlines() if not line.startswith(b'"POT-Creation-Date:')]


def compile_mo(locale: str) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read(locale), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for locale in LOCALES:
        po_path(locale).with_suffix(".mo").write_bytes(compile_mo(locale))


def _describe(catalog: Catalog, locale: str) -> None:
    from babel import Locale

    name = Locale.parse(locale).english_name
    catalog.header_comment = (
        f"# {name} translations of Aviso.\n"
        "# This file is distributed under the same license as Aviso (MIT)."
    )
    catalog.project, catalog.version = "Aviso", "0.1"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "Aviso translators"
    catalog.language_team = f"{name} <>"


def update() -> None:
    """Extract, merge into each catalog (keeping translations), compile."""
    from babel.messages.catalog import Catalog

    template = extract()
    for locale in LOCALES:
        if po_path(locale).exists():
            catalog = read(locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="Aviso", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        _describe(catalog, locale)
        write(catalog, locale)
    compile_all()
