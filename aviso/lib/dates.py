"""Dates, months and numbers in a reader's language, from CLDR through Babel.

One formatter for all six shipped languages, so "mayo de 2026", "30. Juni
2026" and "99,95" come from the same data Babel ships, never from hand-made
patterns. Times are formatted in the zone of the datetime passed in (the
page's zone: convert before calling), with the seed's offset label
"16:30 (GMT-5)".
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from aviso.lib.languages import DEFAULT, babel_locale, normalize
from aviso.lib.timezones import utc_offset_label

# The seed (a Statuspage page in English) abbreviates months: "May 2026 to Jul
# 2026", "Jun 30, 2026". Other languages spell them out, as their readers
# expect and as the issue asks ("mayo de 2026", "30 de junio").
_MONTH = {"en": "yMMM"}
_DAY = {"en": "yMMMd"}
_FULL_MONTH, _FULL_DAY = "yMMMM", "yMMMMd"


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(babel_locale(normalize(code or DEFAULT) or DEFAULT))


def _code(language: str | None) -> str:
    return normalize(language or DEFAULT) or DEFAULT


def month_label(year: int, month: int, language: str | None) -> str:
    """The heading of a month of history: "May 2026", "mayo de 2026", "Mai 2026"."""
    code = _code(language)
    return format_skeleton(
        _MONTH.get(code, _FULL_MONTH), dt.date(year, month, 1), locale=_locale(code)
    )


def day_label(day: dt.date, language: str | None) -> str:
    """A calendar day: "Jun 30, 2026", "30 de junio de 2026", "30. Juni 2026"."""
    code = _code(language)
    return format_skeleton(_DAY.get(code, _FULL_DAY), day, locale=_locale(code))


def moment_label(local: dt.datetime, language: str | None) -> str:
    """A local time as the seed writes it, in the reader's words.

    "Jun 30, 2026 · 16:30 (GMT-5)", "30 de junio de 2026 · 16:30 (GMT-5)".
    """
    code = _code(language)
    clock = format_skeleton("Hm", local, locale=_locale(code))
    return f"{day_label(local.date(), code)} · {clock} ({utc_offset_label(local)})"


def decimal_label(value: float, language: str | None, digits: int = 2) -> str:
    """A number with the reader's decimal mark: 99.95 in English, 99,95 in Spanish."""
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, pattern, locale=_locale(_code(language)))
