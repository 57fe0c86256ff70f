"""Find the words a template shows a reader without passing them through a catalog.

A template's text is cut into Django tokens; what ``{% translate %}`` and
``{% blocktranslate %}`` say, variables and tags are set aside, and what is left
is read as HTML. Any text node, or any attribute a reader sees or hears
(``title``, ``alt``, ``placeholder``, ``aria-label`` ...), that still holds a
letter is reported. Plain-text mail templates (``.txt``) are read as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Stands for a translated string or a variable: it is not a letter.
HOLE = "\x00"
# Text that is not language. Keep this short: each entry is a reason, not a shortcut.
NOT_LANGUAGE = {
    "Aviso",  # the product's name
    "JSON",  # names of formats, the same in every language
    "Atom",
    "RSS",
    "ms",  # the unit symbol for milliseconds (SI), the same in every language
}
# Inside these elements text is code or machine data, shown as such.
CODE_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
SPOKEN_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-roledescription",
    "aria-valuetext",
    "label",
}
BUTTON_TYPES = {"submit", "button", "reset"}
_BLOCK_NAME = re.compile(r"^\s*(\w+)")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Untranslated:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


def skeleton(source: str) -> str:
    """The template with translated strings, variables and tags replaced by holes.

    Line breaks are kept, so line numbers still point into the template.
    """
    out: list[str] = []
    inside: str | None = None  # the closing tag we wait for
    for token in Lexer(source).tokenize():
        kept_lines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.BLOCK:
            name = (_BLOCK_NAME.match(token.contents) or [""])[0].strip()
            if inside:
                if name == inside:
                    inside = None
                out.append(kept_lines)
            elif name in {"blocktranslate", "blocktrans"}:
                inside = "end" + name
                out.append(HOLE + kept_lines)
            elif name in {"comment", "verbatim"}:
                inside = "end" + name
                out.append(kept_lines)
            elif name in {"translate", "trans"} and " as " not in token.contents:
                out.append(HOLE + kept_lines)
            else:
                out.append(kept_lines)
        elif token.token_type == TokenType.TEXT and not inside:
            out.append(token.contents)
        elif token.token_type == TokenType.VAR and not inside:
            out.append(HOLE + kept_lines)
        else:
            out.append("\n" * token.contents.count("\n"))
    return "".join(out)


def _is_language(text: str) -> bool:
    words = _WORD.findall(text)
    return any(_LETTER.search(word) and word not in NOT_LANGUAGE for word in words)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_ELEMENTS:
            self.code_depth += 1
        values = dict(attrs)
        spoken = set(SPOKEN_ATTRIBUTES)
        if tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES:
            spoken.add("value")
        if tag == "meta" and values.get("name") in {"description", "application-name"}:
            spoken.add("content")
        for name, value in attrs:
            if name in spoken and value and _is_language(value):
                self.found.append((self.getpos()[0], value.strip()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in CODE_ELEMENTS:
            self.code_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_ELEMENTS and self.code_depth:
            self.code_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.code_depth and _is_language(data):
            leading = data[: len(data) - len(data.lstrip())]
            self.found.append((self.getpos()[0] + leading.count("\n"), " ".join(data.split())))


def untranslated(path: Path) -> list[Untranslated]:
    """Each run of reader-facing text in the template at ``path`` outside a catalog."""
    text = skeleton(path.read_text(encoding="utf-8"))
    if path.suffix == ".txt":
        return [
            Untranslated(path, number, line.strip())
            for number, line in enumerate(text.split("\n"), start=1)
            if _is_language(line)
        ]
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return [Untranslated(path, line, words.replace(HOLE, "…")) for line, words in reader.found]
