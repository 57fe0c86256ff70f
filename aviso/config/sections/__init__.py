"""The sections of a configuration file, and how other apps add theirs.

A section owns one top-level key of the file. It brings:

- ``schema``: the pydantic type of that key's value (it becomes part of the
  file's JSON Schema);
- ``plan(value, context) -> list[Change]``: compare the file with the database
  and say what would change; each ``Change`` carries the function that makes it;
- ``apply(changes, context)``: make the changes (the default runs each
  change's ``run`` in order, all through ``aviso.status.lifecycle`` or the
  owning app's own lifecycle);
- ``export() -> value``: the running configuration, such that ``plan`` of it
  finds nothing to change.

Sections run in ``order``, each planned and applied before the next is
planned, all in one transaction: a monitors section (order 200) can name a
component that the pages section (order 100) creates in the same apply.
Register from an ``AppConfig.ready()``::

    from aviso.config.sections import Section, register_section
    register_section(Section(key="monitors", schema=list[MonitorSpec], plan=plan,
                             export=export, order=200))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aviso.config.errors import Path
from aviso.status.lifecycle import Actor

Action = Literal["create", "update", "delete", "keep"]


@dataclass
class Change:
    action: Action
    kind: str  # "page", "group", "component", "monitor" ...
    label: str  # how the plan names the object
    path: Path = ()  # where the object is in the file, for errors
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (old, new)
    run: Callable[[], None] | None = None
    note: str = ""  # why a "keep" was kept


@dataclass
class Context:
    actor: Actor
    prune: bool = False


def run_changes(changes: list[Change], context: Context) -> None:
    for change in changes:
        if change.run is not None:
            change.run()


@dataclass(frozen=True)
class Section:
    key: str
    schema: Any
    plan: Callable[[Any, Context], list[Change]]
    export: Callable[[], Any]
    apply: Callable[[list[Change], Context], None] = run_changes
    order: int = 100
    description: str = ""


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    if section.key in _SECTIONS and _SECTIONS[section.key] is not section:
        raise ValueError(f"a configuration section {section.key!r} is already registered")
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    _ensure_builtin()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def _ensure_builtin() -> None:
    # The built-in section is registered on first use, so the registry works
    # without app loading order mattering.
    from aviso.config.sections import pages

    register_section(pages.SECTION)
