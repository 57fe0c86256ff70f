"""Translated text in Python is a literal the extractor can read."""

from __future__ import annotations

import ast

from aviso.catalogs import KEYWORDS, PACKAGE_DIR, source_files


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def misplaced_translations(source: str) -> list[tuple[int, str]]:
    """Translation calls the extractor cannot see or that translate a built string.

    ``_(f"...")`` and ``_("..." .format())`` translate text that differs on every
    call; ``f"{_('...')}"`` hides the call inside an f-string, which the
    extractors read as one token and skip.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _name(node) in KEYWORDS and node.args:
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                if not isinstance(first, ast.Name | ast.Attribute | ast.Subscript):
                    found.append((node.lineno, f"{_name(node)}() of a built string"))
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and _name(inner) in KEYWORDS:
                    found.append((inner.lineno, f"{_name(inner)}() inside an f-string"))
    return found


class TestPythonSources:
    def test_every_translation_call_takes_a_literal_outside_f_strings(self):
        found = [
            f"{path.relative_to(PACKAGE_DIR)}:{line}: {what}"
            for path in source_files()
            if path.suffix == ".py"
            for line, what in misplaced_translations(path.read_text(encoding="utf-8"))
        ]
        assert not found, "\n".join(found)


class TestChecker:
    def test_it_finds_a_call_inside_an_f_string(self):
        source = "from x import gettext as _\nhtml = f'<h1>{_(\"Down\")}</h1>'\n"
        assert misplaced_translations(source) == [(2, "_() inside an f-string")]

    def test_it_finds_an_f_string_inside_a_call(self):
        source = "name = 'x'\ntext = gettext(f'Hello {name}')\n"
        assert misplaced_translations(source) == [(2, "gettext() of a built string")]

    def test_it_accepts_placeholders_filled_after_translation(self):
        source = "text = _('Hello %(name)s') % {'name': name}\nlabel = _(LABELS[k])\n"
        assert misplaced_translations(source) == []
