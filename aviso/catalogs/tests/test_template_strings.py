"""No template shows a reader words that are not in the catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from aviso.catalogs import PACKAGE_DIR, TEMPLATE_SUFFIXES
from aviso.catalogs.template_strings import untranslated


def templates() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE_DIR.glob("*/templates/**/*")
        if path.suffix in TEMPLATE_SUFFIXES and "tests" not in path.parts
    )


def scan(tmp_path: Path, text: str, name: str = "page.html") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [found.text for found in untranslated(path)]


class TestTemplates:
    def test_there_are_templates_to_read(self):
        assert len(templates()) > 50

    def test_every_template_passes_its_words_through_the_catalogs(self):
        found = [str(item) for path in templates() for item in untranslated(path)]
        assert not found, "words outside {% translate %}:\n" + "\n".join(found)


class TestScanner:
    def test_it_reports_bare_text(self, tmp_path):
        assert scan(tmp_path, "<p>Hello <b>{{ name }}</b></p>") == ["Hello"]

    def test_it_reports_a_spoken_attribute(self, tmp_path):
        found = scan(tmp_path, '<a title="Open the page" aria-label="{{ x }} next">→</a>')
        assert found == ["Open the page", "… next"]

    def test_it_reports_a_button_value(self, tmp_path):
        assert scan(tmp_path, '<input type="submit" value="Save">') == ["Save"]

    def test_it_reports_plain_text_mail(self, tmp_path):
        assert scan(tmp_path, "{% load i18n %}\nRegards,\n{{ page }}\n", "mail.txt") == ["Regards,"]

    def test_it_reports_the_line(self, tmp_path):
        path = tmp_path / "page.html"
        path.write_text("{% load i18n %}\n<p>\n{% if x %}\n  Hello\n{% endif %}</p>")
        assert [item.line for item in untranslated(path)] == [4]

    def test_it_accepts_translated_text(self, tmp_path):
        text = (
            "{% load i18n %}<h1>{% translate 'Hello' %}</h1>"
            '<p title="{% translate "Open" %}">{% blocktranslate with n=x %}'
            "You have {{ n }} notices{% endblocktranslate %}</p>"
        )
        assert scan(tmp_path, text) == []

    def test_it_reads_what_translate_as_stores_only_where_it_is_used(self, tmp_path):
        text = "{% translate 'Close' as close %}<button aria-label=\"{{ close }}\">×</button>"
        assert scan(tmp_path, text) == []

    def test_it_ignores_variables_symbols_comments_and_code(self, tmp_path):
        text = (
            "{# a note for developers #}{% comment %}Old text{% endcomment %}"
            "<p>{{ a }} · {{ b }} — 99 %</p><pre>curl -X POST</pre><code>Bearer</code>"
            "<script>let label = 'x';</script><!-- a note -->"
        )
        assert scan(tmp_path, text) == []

    def test_it_ignores_the_products_name_and_format_names(self, tmp_path):
        assert scan(tmp_path, "<title>{{ t }} · Aviso</title><a>JSON</a> <a>RSS</a>") == []

    def test_it_reports_words_beside_the_products_name(self, tmp_path):
        assert scan(tmp_path, "<p>Powered by Aviso</p>") == ["Powered by Aviso"]

    @pytest.mark.parametrize("attribute", ["href", "class", "id", "name", "type", "data-x"])
    def test_it_ignores_attributes_nobody_reads(self, tmp_path, attribute):
        assert scan(tmp_path, f'<a {attribute}="some-thing">→</a>') == []
