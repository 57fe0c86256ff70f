"""The shipped catalogs: complete, current, compiled, and true to their placeholders."""

from __future__ import annotations

import gettext
import io
import re

import pytest
from django.conf import settings
from django.utils import translation

from aviso import catalogs

# %(name)s, %s, %d ... (not %%) and {name} (str.format)
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def messages(locale: str) -> list:
    return [message for message in catalogs.read(locale) if message.id]


def describe(message) -> str:
    return f"{message.id!r} (context {message.context!r})" if message.context else repr(message.id)


@pytest.mark.parametrize("locale", catalogs.LOCALES)
class TestShippedCatalog:
    def test_it_translates_every_entry(self, locale):
        strings = [m for m in messages(locale) if isinstance(m.string, str)]
        plurals = [m for m in messages(locale) if not isinstance(m.string, str)]
        missing = [describe(m) for m in strings if not m.string.strip()]
        missing += [describe(m) for m in plurals if not all(s.strip() for s in m.string)]
        assert not missing, f"{locale}: {len(missing)} untranslated: {missing[:20]}"

    def test_it_has_no_fuzzy_entry(self, locale):
        catalog = catalogs.read(locale)
        fuzzy = [describe(m) for m in catalog if m.id and m.fuzzy]
        assert not catalog.fuzzy, f"{locale}: the header is marked fuzzy"
        assert not fuzzy, f"{locale}: fuzzy entries: {fuzzy}"

    def test_it_has_no_obsolete_entry(self, locale):
        obsolete = list(catalogs.read(locale).obsolete)
        assert not obsolete, f"{locale}: obsolete entries: {obsolete[:20]}"

    def test_it_has_every_string_the_code_marks(self, locale):
        wanted = {(m.id, m.context) for m in catalogs.extract() if m.id}
        present = {(m.id, m.context) for m in messages(locale)}
        missing = sorted(wanted - present, key=str)
        stale = sorted(present - wanted, key=str)
        assert not missing, (
            f"{locale}: {len(missing)} marked strings missing; run "
            f"`python -m aviso.catalogs update` and translate them: {missing[:20]}"
        )
        assert not stale, f"{locale}: strings no longer in the code: {stale[:20]}"

    def test_it_keeps_the_placeholders_of_each_msgid(self, locale):
        wrong = []
        translated = [m for m in messages(locale) if m.string and all(m.string)]
        for message in translated:
            if isinstance(message.string, str):
                if placeholders(message.id) != placeholders(message.string):
                    wrong.append((message.id, message.string))
                continue
            singular, plural = message.id
            allowed = set(placeholders(singular)) | set(placeholders(plural))
            forms = message.string
            if placeholders(forms[-1]) != placeholders(plural):
                wrong.append((plural, forms[-1]))
            # A singular form may leave the number out ("un incidente"), never add a name.
            wrong += [(plural, form) for form in forms if not set(placeholders(form)) <= allowed]
        assert not wrong, f"{locale}: placeholders differ: {wrong}"

    def test_it_says_each_translation_once(self, locale):
        # A merge once left translations written twice in a row ("Reload.Reload.").
        doubled = [
            describe(m)
            for m in messages(locale)
            for text in ([m.string] if isinstance(m.string, str) else m.string)
            if len(text) > 8 and text[: len(text) // 2] == text[len(text) // 2 :]
        ]
        assert not doubled, f"{locale}: translations repeated: {doubled}"

    def test_its_plural_entries_have_one_form_per_plural(self, locale):
        catalog = catalogs.read(locale)
        short = [
            describe(m)
            for m in catalog
            if m.id and not isinstance(m.string, str) and len(m.string) != catalog.num_plurals
        ]
        assert not short, f"{locale}: needs {catalog.num_plurals} forms: {short}"

    def test_its_compiled_file_matches_the_catalog(self, locale):
        path = catalogs.po_path(locale).with_suffix(".mo")
        assert path.exists(), f"{path} is missing: run `python -m aviso.catalogs compile`"
        shipped = gettext.GNUTranslations(io.BytesIO(path.read_bytes()))
        fresh = gettext.GNUTranslations(io.BytesIO(catalogs.compile_mo(locale)))
        header = ""
        shipped_messages = {k: v for k, v in shipped._catalog.items() if k != header}
        fresh_messages = {k: v for k, v in fresh._catalog.items() if k != header}
        assert shipped_messages == fresh_messages, (
            f"{path} is stale: run `python -m aviso.catalogs compile`"
        )
        assert shipped.plural(2) == fresh.plural(2) and shipped.plural(1) == fresh.plural(1)


class TestLanguages:
    def test_each_offered_language_has_a_catalog_and_each_catalog_is_offered(self):
        offered = {translation.to_locale(code) for code, _name in settings.LANGUAGES}
        assert offered == {catalogs.SOURCE_LANGUAGE, *catalogs.LOCALES}

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("es", "Operativo"),
            ("pt-br", "Operacional"),
            ("fr", "Opérationnel"),
            ("de", "Betriebsbereit"),
            ("it", "Operativo"),
            ("en", "Operational"),
        ],
    )
    def test_django_serves_the_shipped_translation(self, code, expected):
        with translation.override(code):
            assert translation.gettext("Operational") == expected
