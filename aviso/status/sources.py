"""Where a component's status comes from, when not from this instance itself.

A component mirrored from a vendor's status page says so on the public page
("status from <vendor>"). ``status`` cannot import the app that mirrors it, so
that app registers here: fn(page) -> {component_id: vendor name}.
"""

from __future__ import annotations

from collections.abc import Callable

from aviso.status.models import Page

Source = Callable[[Page], dict[int, str]]
_sources: list[Source] = []


def register_component_source(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def component_sources(page: Page) -> dict[int, str]:
    found: dict[int, str] = {}
    for source in _sources:
        found.update(source(page))
    return found
