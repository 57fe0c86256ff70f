"""Apply a configuration file, print its plan, export the running configuration.

The whole apply is one transaction: sections are planned and applied in
order, and any error (a refused change, a problem found while planning)
rolls everything back. A dry run does the same and always rolls back, so its
plan is exactly what a real apply would do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, create_model

from aviso.config import loader
from aviso.config.errors import ConfigError, SpecProblem
from aviso.config.sections import Change, Context, sections
from aviso.status.lifecycle import Actor, LifecycleError

ACTOR = Actor.automation("config apply")
SCHEMA_ID = "/api/v1/config.schema.json"


def root_model() -> type[BaseModel]:
    """The file's model: ``version`` plus one optional key per registered section."""
    fields: dict[str, Any] = {
        "version": (Literal[1], Field(1, description="Format version of this file")),
    }
    for section in sections():
        fields[section.key] = (
            section.schema | None,
            Field(None, description=section.description or None),
        )
    return create_model(
        "AvisoConfig",
        __config__=ConfigDict(extra="forbid", title="Aviso configuration"),
        **fields,
    )


def json_schema() -> dict:
    schema = root_model().model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def is_empty(self) -> bool:
        return not any(c.action != "keep" for c in self.changes)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def load_text(text: str, name: str, env: Mapping[str, str] | None = None):
    return loader.load(text, name, root_model(), env)


def apply_text(
    text: str,
    name: str,
    *,
    dry_run: bool = False,
    prune: bool = False,
    env: Mapping[str, str] | None = None,
    actor: Actor = ACTOR,
    progress=None,
) -> Plan:
    """Validate, plan and (unless ``dry_run``) apply. ``ConfigError`` means nothing changed."""
    config, source = load_text(text, name, env)
    context = Context(actor=actor, prune=prune)
    plan = Plan()
    running: list[Change] = []  # the change being made, to name it if it is refused
    try:
        with transaction.atomic():
            for section in sections():
                value = getattr(config, section.key)
                if value is None:
                    continue  # a file that does not name a section leaves it alone
                running.clear()
                changes = section.plan(value, context)
                plan.changes += changes
                if progress is not None:
                    progress.total += sum(1 for c in changes if c.run is not None)
                for change in changes:
                    change.run = _tracked(change, running, progress)
                section.apply(changes, context)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return plan
    except SpecProblem as exc:
        raise ConfigError([source.problem(exc.path, exc.message)]) from None
    except LifecycleError as exc:
        path = running[0].path if running else ()
        problems = [
            source.problem(path if key == "__all__" else (*path, key), message)
            for key, message in exc.errors.items()
        ]
        raise ConfigError(problems) from None
    plan.applied = True
    return plan


def _tracked(change: Change, running: list[Change], progress):
    """Remember which change is running (to name it if refused) and count it done."""
    inner = change.run
    if inner is None:
        return None

    def run() -> None:
        running[:] = [change]
        inner()
        if progress is not None:
            progress.advance(1, change.label)

    return run


def render_plan(plan: Plan) -> str:
    """Terraform-style: one line per object, the changed fields under it, a summary."""
    symbols = {"create": "+", "update": "~", "delete": "-", "keep": "!"}
    lines = []
    for change in plan.changes:
        head = f"  {symbols[change.action]} {change.action} {change.kind} {change.label!r}"
        if change.note:
            head += f" (kept: {change.note})"
        lines.append(head)
        for name, (old, new) in change.diff.items():
            if change.action == "create":
                lines.append(f"      {name}: {_show(new)}")
            else:
                lines.append(f"      {name}: {_show(old)} -> {_show(new)}")
    if plan.is_empty:
        lines.append("No changes: the running configuration matches the file.")
    else:
        lines.append(
            f"Plan: {plan.count('create')} to create, {plan.count('update')} to update, "
            f"{plan.count('delete')} to delete."
        )
    return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def export_data() -> dict:
    data: dict[str, Any] = {"version": 1}
    for section in sections():
        value = section.export()
        if isinstance(value, list):
            value = [
                v.model_dump(mode="python", exclude_defaults=True)
                if isinstance(v, BaseModel)
                else v
                for v in value
            ]
        elif isinstance(value, BaseModel):
            value = value.model_dump(mode="python", exclude_defaults=True)
        if value == [] and section.key != "pages":
            continue  # nothing configured (no monitors yet): the file does not name it
        data[section.key] = value
    return loader.escape_env(data)


def export_text() -> str:
    header = (
        f"# yaml-language-server: $schema={SCHEMA_ID}\n"
        f"# Aviso configuration, exported {timezone.now():%Y-%m-%d %H:%M} UTC.\n"
        "# Apply with: aviso apply FILE.yaml [--dry-run] [--prune]\n"
    )
    body = yaml.safe_dump(export_data(), sort_keys=False, allow_unicode=True, width=100)
    return header + body
