"""The ``monitors`` section of a configuration file (``aviso apply`` / ``aviso export``).

Identity: a monitor by its name. Its component is named by page slug and
component name ("Group / Name" when the name alone is not unique on the page),
the monitor it depends on by that monitor's name. Credentials are write-only:
the export says ``[sealed]`` in their place, and ``[sealed]`` in a file keeps
the stored secret, so an exported file applies back as no change. Every change
goes through ``monitors.lifecycle``. ``--prune`` deletes monitors the file does
not name.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from aviso.config.errors import SpecProblem
from aviso.config.sections import Change, Context, Section
from aviso.config.specs import STRICT, Name, Slug
from aviso.lib.sealed import REDACTED, SealedError
from aviso.monitors import lifecycle
from aviso.monitors.choices import MonitorKind
from aviso.monitors.configs import (
    ConfigError,
    parse_config,
    plain_config,
    secret_paths,
    shown_config,
)
from aviso.monitors.models import MAX_DEPENDENCY_DEPTH, Monitor
from aviso.status.models import Component


class MonitorSpec(BaseModel):
    model_config = STRICT

    name: Name
    kind: str = Field(description="One of: " + ", ".join(MonitorKind.values))
    config: dict = Field(default_factory=dict, description="The kind's settings")
    page: Slug | None = Field(None, description="The slug of the component's page")
    component: str | None = Field(None, description='"Group / Name", or a name unique on the page')
    interval_seconds: int = 60
    timeout_seconds: float = 10.0
    confirmations_down: int = 2
    confirmations_up: int = 1
    regions: list[str] = Field(default_factory=list)
    paused: bool = False
    depends_on: str | None = Field(
        None, description="The name of the monitor this one depends on (its outage explains ours)"
    )


SIMPLE_FIELDS = [
    "interval_seconds", "timeout_seconds", "confirmations_down", "confirmations_up", "paused",
]  # fmt: skip


def _get(data: dict, path: tuple):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _set(data: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


def _config_changed(monitor: Monitor, kind: str, wanted: dict) -> bool:
    """Whether applying ``wanted`` would change the stored settings (secrets compared
    opened; ``[sealed]`` keeps the stored one)."""
    if kind != monitor.kind:
        return True
    try:
        plain = plain_config(kind, monitor.config)
    except SealedError:
        return True
    merged = {key: value for key, value in wanted.items()}
    for path in secret_paths(kind, wanted):
        if _get(wanted, path) == REDACTED:
            _set(merged, path, _get(plain, path))
    try:
        return parse_config(kind, merged).model_dump(mode="json") != plain
    except ConfigError:
        return True  # the lifecycle says what is wrong when it runs


def _component_label(component: Component) -> str:
    return f"{component.group.name} / {component.name}" if component.group_id else component.name


def _find_component(spec: MonitorSpec, path: tuple) -> Component | None:
    if spec.component is None:
        if spec.page is not None:
            raise SpecProblem((*path, "component"), "name the component on that page")
        return None
    if spec.page is None:
        raise SpecProblem((*path, "page"), "name the page (its slug) of the component")
    candidates = list(Component.objects.filter(page__slug=spec.page).select_related("group"))
    if " / " in spec.component:
        group, _, name = spec.component.partition(" / ")
        found = [c for c in candidates if c.name == name and c.group_id and c.group.name == group]
    else:
        found = [c for c in candidates if c.name == spec.component]
    if len(found) != 1:
        why = "no" if not found else "more than one"
        raise SpecProblem(
            (*path, "component"), f"{why} component {spec.component!r} on page {spec.page!r}"
        )
    return found[0]


def _in_dependency_order(specs: list[MonitorSpec]) -> list[int]:
    """Indexes of ``specs`` with every parent named in the file before its children."""
    by_name = {spec.name: i for i, spec in enumerate(specs)}

    def depth(index: int) -> int:
        seen, cursor, n = {index}, specs[index].depends_on, 0
        while cursor in by_name:
            cursor_index = by_name[cursor]
            if cursor_index in seen:
                raise SpecProblem(("monitors", index, "depends_on"), "the dependencies make a loop")
            seen.add(cursor_index)
            cursor, n = specs[cursor_index].depends_on, n + 1
            if n > MAX_DEPENDENCY_DEPTH:
                break
        return n

    return sorted(range(len(specs)), key=lambda i: (depth(i), i))


def plan(specs: list[MonitorSpec], context: Context) -> list[Change]:
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if spec.name in seen:
            raise SpecProblem(("monitors", index, "name"), f"two monitors are named {spec.name!r}")
        seen.add(spec.name)
    existing: dict[str, Monitor] = {}
    for monitor in Monitor.objects.select_related("component__group", "depends_on"):
        if monitor.name in existing and monitor.name in seen:
            raise SpecProblem(("monitors",), f"two monitors in the database are named "
                              f"{monitor.name!r}: rename one first")  # fmt: skip
        existing[monitor.name] = monitor
    changes: list[Change] = []
    for index in _in_dependency_order(specs):
        spec, path = specs[index], ("monitors", index)
        if spec.depends_on is not None and spec.depends_on not in seen | existing.keys():
            raise SpecProblem((*path, "depends_on"), f"no monitor is named {spec.depends_on!r}")
        component = _find_component(spec, path)
        current = existing.get(spec.name)
        if current is None:
            shown = shown_config(spec.kind, spec.config)
            diff = {"kind": (None, spec.kind), "config": (None, shown)}
            diff |= {f: (None, getattr(spec, f)) for f in SIMPLE_FIELDS}
            if component is not None:
                diff["component"] = (None, _component_label(component))
            if spec.depends_on:
                diff["depends_on"] = (None, spec.depends_on)
            run = _create(spec, component, context)
            changes.append(Change("create", "monitor", spec.name, path, diff, run))
            continue
        diff = {
            f: (getattr(current, f), getattr(spec, f))
            for f in SIMPLE_FIELDS
            if getattr(current, f) != getattr(spec, f)
        }
        if current.kind != spec.kind:
            diff["kind"] = (current.kind, spec.kind)
        if _config_changed(current, spec.kind, spec.config):
            diff["config"] = (
                shown_config(current.kind, current.config),
                shown_config(spec.kind, spec.config),
            )
        if sorted(current.region_list) != sorted(r.strip().lower() for r in spec.regions):
            diff["regions"] = (current.region_list, spec.regions)
        if current.component_id != (component.pk if component else None):
            old = _component_label(current.component) if current.component_id else None
            diff["component"] = (old, _component_label(component) if component else None)
        parent = current.depends_on.name if current.depends_on_id else None
        if parent != spec.depends_on:
            diff["depends_on"] = (parent, spec.depends_on)
        if diff:
            run = _update(current, spec, component, diff, context)
            changes.append(Change("update", "monitor", spec.name, path, diff, run))
    if context.prune:
        for name, monitor in existing.items():
            if name not in seen:
                changes.append(Change("delete", "monitor", name, ("monitors",), {},
                                      _delete(monitor, context)))  # fmt: skip
    return changes


def _parent(name: str | None) -> Monitor | None:
    # Looked up when the change runs: a parent created earlier in this apply is found.
    return Monitor.objects.filter(name=name).first() if name else None


def _create(spec: MonitorSpec, component: Component | None, context: Context):
    def run() -> None:
        lifecycle.create_monitor(
            actor=context.actor, name=spec.name, kind=spec.kind, config=spec.config,
            component=component, regions=spec.regions, depends_on=_parent(spec.depends_on),
            **{f: getattr(spec, f) for f in SIMPLE_FIELDS},
        )  # fmt: skip

    return run


def _update(monitor: Monitor, spec: MonitorSpec, component, diff: dict, context: Context):
    def run() -> None:
        changes = {f: getattr(spec, f) for f in SIMPLE_FIELDS if f in diff}
        if "kind" in diff:
            changes["kind"] = spec.kind
        if "kind" in diff or "config" in diff:
            changes["config"] = spec.config
        if "regions" in diff:
            changes["regions"] = spec.regions
        if "component" in diff:
            changes["component"] = component
        if "depends_on" in diff:
            changes["depends_on"] = _parent(spec.depends_on)
        lifecycle.update_monitor(monitor, actor=context.actor, **changes)

    return run


def _delete(monitor: Monitor, context: Context):
    def run() -> None:
        lifecycle.delete_monitor(monitor, actor=context.actor)

    return run


def export() -> list[MonitorSpec]:
    specs = []
    monitors = Monitor.objects.select_related("component__page", "component__group", "depends_on")
    for monitor in monitors.order_by("name", "id"):
        component = monitor.component
        specs.append(
            MonitorSpec(
                name=monitor.name,
                kind=monitor.kind,
                config=shown_config(monitor.kind, monitor.config),
                page=component.page.slug if component else None,
                component=_export_component(component) if component else None,
                regions=monitor.region_list,
                depends_on=monitor.depends_on.name if monitor.depends_on_id else None,
                **{f: getattr(monitor, f) for f in SIMPLE_FIELDS},
            )
        )
    return specs


def _export_component(component: Component) -> str:
    unique = not Component.objects.filter(page=component.page_id, name=component.name).exclude(
        pk=component.pk
    ).exists()
    return component.name if unique or not component.group_id else _component_label(component)


SECTION = Section(
    key="monitors",
    schema=list[MonitorSpec],
    plan=plan,
    export=export,
    order=200,
    description="Monitors: what to check, how often, on which component, depending on which",
)
