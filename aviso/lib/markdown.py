"""Markdown for update bodies and postmortems that can never carry script.

markdown-it-py renders CommonMark with raw HTML turned off; nh3 (ammonia) then
keeps only an allow-list of tags and attributes, so neither ``<script>`` nor an
``onerror=`` attribute can reach a page, whatever the input.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
        ["table", "strikethrough"]
    )


def _shift_headings(html: str) -> str:
    # A body's "# Title" sits under the page's own headings: h1 becomes h3.
    for level in (4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return html


def render_markdown(text: str, *, shift_headings: bool = True) -> str:
    """Markdown to safe HTML.

    Cached per process: history pages show the same bodies render after render,
    and parsing plus sanitizing is most of a page's rendering time.
    """
    return _render(text or "", shift_headings)


class TooLong(ValueError):
    """A preview asked for more text than a stored body may hold."""


def render_preview(text: str, *, max_chars: int) -> str:
    """``render_markdown`` for text being typed: bounded, and never cached.

    Each keystroke is a new text; through the cache, a few long drafts would
    hold the process's memory (8,192 entries of whatever size was posted).
    """
    text = text or ""
    if len(text) > max_chars:
        raise TooLong(f"The text is longer than {max_chars} characters; shorten it to preview it.")
    return _uncached(text, True)


@lru_cache(maxsize=8192)
def _render(text: str, shift_headings: bool) -> str:
    return _uncached(text, shift_headings)


def _uncached(text: str, shift_headings: bool) -> str:
    html = _parser().render(text)
    if shift_headings:
        html = _shift_headings(html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
