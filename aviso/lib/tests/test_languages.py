from __future__ import annotations

import datetime as dt
import zoneinfo

from aviso.lib import languages
from aviso.lib.dates import day_label, decimal_label, moment_label, month_label

GUAYAQUIL = zoneinfo.ZoneInfo("America/Guayaquil")


class TestNegotiate:
    def test_it_takes_the_best_accept_language_the_page_offers(self):
        offered = ["en", "es", "pt-br"]
        assert languages.negotiate(offered, accept_language="fr;q=1, es;q=0.8") == "es"
        assert languages.negotiate(offered, accept_language="es-EC,es;q=0.9,en;q=0.5") == "es"
        assert languages.negotiate(offered, accept_language="pt-PT, en;q=0.1") == "pt-br"
        assert languages.negotiate(offered, accept_language="pt-BR") == "pt-br"

    def test_it_falls_back_to_the_pages_first_language(self):
        assert languages.negotiate(["es", "en"], accept_language="de, fr") == "es"
        assert languages.negotiate(["es", "en"], accept_language="") == "es"
        assert languages.negotiate(["es", "en"], accept_language="*") == "es"

    def test_the_readers_cookie_wins_over_the_browser(self):
        assert languages.negotiate(["en", "es"], cookie="es", accept_language="en") == "es"
        # A cookie naming a language the page does not offer is ignored.
        assert languages.negotiate(["en", "es"], cookie="de", accept_language="es") == "es"

    def test_it_ignores_refused_and_malformed_ranges(self):
        assert languages.negotiate(["en", "es"], accept_language="es;q=0, en;q=0.1") == "en"
        assert languages.negotiate(["en", "es"], accept_language="es;q=abc, ;;, en") == "en"


class TestAddresses:
    def test_it_splits_a_language_prefix_off_a_path(self):
        assert languages.split_prefix("/es/history") == ("es", "/history")
        assert languages.split_prefix("/pt-br/incidents/x") == ("pt-br", "/incidents/x")
        assert languages.split_prefix("/es/") == ("es", "/")
        assert languages.split_prefix("/history") == (None, "/history")
        # Only the lower-case code is a prefix; "/ES/x" or "/esx/" is a plain path.
        assert languages.split_prefix("/ES/history") == (None, "/ES/history")
        assert languages.split_prefix("/esx/history") == (None, "/esx/history")

    def test_it_writes_bcp47_tags_and_babel_locales(self):
        assert languages.tag("pt-br") == "pt-BR"
        assert languages.tag("es") == "es"
        assert languages.babel_locale("pt-br") == "pt_BR"

    def test_a_page_without_languages_is_english_and_unknown_codes_are_dropped(self):
        assert languages.page_languages([]) == ["en"]
        assert languages.page_languages(["es", "xx", "pt-BR", "es"]) == ["es", "pt-br"]

    def test_it_reads_one_cookie_from_a_header(self):
        header = 'sessionid=abc; aviso_language="pt-br"; other=1'
        assert languages.cookie_value(header) == "pt-br"
        assert languages.cookie_value("sessionid=abc") == ""


class TestDates:
    def test_months_are_in_the_readers_words(self):
        assert month_label(2026, 5, "en") == "May 2026"
        assert month_label(2026, 5, "es") == "mayo de 2026"
        assert month_label(2026, 5, "pt-br") == "maio de 2026"
        assert month_label(2026, 5, "fr") == "mai 2026"
        assert month_label(2026, 5, "de") == "Mai 2026"
        assert month_label(2026, 5, "it") == "maggio 2026"

    def test_times_carry_the_pages_offset_in_the_readers_words(self):
        moment = dt.datetime(2026, 6, 30, 21, 30, tzinfo=dt.UTC).astimezone(GUAYAQUIL)
        assert moment_label(moment, "en") == "Jun 30, 2026 · 16:30 (GMT-5)"
        assert moment_label(moment, "es") == "30 de junio de 2026 · 16:30 (GMT-5)"
        assert moment_label(moment, "de") == "30. Juni 2026 · 16:30 (GMT-5)"
        assert day_label(moment.date(), "it") == "30 giugno 2026"

    def test_numbers_use_the_readers_decimal_mark(self):
        assert decimal_label(99.954, "en") == "99.95"
        assert decimal_label(99.954, "es") == "99,95"
        assert decimal_label(1234.5, "de") == "1.234,50"
