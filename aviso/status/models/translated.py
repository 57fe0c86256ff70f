"""Update text in several languages: the page's first language in ``body``, the rest beside it."""

from __future__ import annotations

from django.db import models


class TranslatedBody(models.Model):
    """``body`` is in the page's first language; ``bodies`` maps other page languages to text.

    Readers and subscribers get their language's text when it was written and
    otherwise ``body``, with a note that says so (``body_for``).
    """

    # {language code: Markdown} for the page's other languages; absent means "not written".
    bodies = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def body_for(self, language: str | None, first_language: str) -> tuple[str, bool]:
        """(text, is_fallback): the body in ``language``, else ``body`` and True."""
        if not language or language == first_language:
            return self.body, False
        text = (self.bodies or {}).get(language)
        if text:
            return text, False
        return self.body, True
