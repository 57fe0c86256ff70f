"""The ``pages`` section: pages, their component groups and components.

Identity: a page by its slug, a group by its name on the page, a component by
its name in its group, or else by a name unique on the page (so moving a
component to another group is an update, not a delete and a create). List
order is position. Component *status* is not configuration: incidents,
maintenances and monitors own it, so apply never sets it.

``--prune`` deletes groups and components a named page no longer lists, but
never a component with history (status changes, incidents, maintenances),
and never a page: deleting either would delete history.

A page's single sign-on client secret is write-only: the export says
``[sealed]``, and ``[sealed]`` in a file keeps the stored secret, so an
exported file applies back as no change.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from aviso.config.errors import SpecProblem
from aviso.config.sections import Change, Context, Section
from aviso.config.specs import STRICT, HttpUrl, Name, Slug, TimeZone
from aviso.lib.sealed import REDACTED, REDACTED_CHANGED
from aviso.status import lifecycle
from aviso.status.models import Component, ComponentGroup, Page
from aviso.status.sealing import keyring
from aviso.status.showing import shown_components


class ComponentSpec(BaseModel):
    model_config = STRICT

    name: Name
    description: str = ""
    showcase: bool = Field(True, description="Show the 90-day uptime bars")
    only_show_if_degraded: bool = False
    start_date: dt.date | None = Field(None, description="Uptime is counted from this day")
    auto_open: bool = Field(True, description="Monitors may open incidents on it")
    auto_resolve: bool = Field(True, description="Monitors may resolve incidents on it")
    show_response_times: bool = Field(
        False, description="Show its monitors' response-time charts on the public page"
    )


class SharedSpec(BaseModel):
    """Another page's component shown in this group (one component, one status)."""

    model_config = STRICT

    page: Slug = Field(description="The slug of the page the component belongs to")
    component: Name = Field(description="The component's name on that page")
    group: Name | None = Field(
        None, description="Its group on that page, when its name alone is not unique there"
    )


class AudienceSpec(BaseModel):
    """Readers of a private page (by email domain or address) and the components they see."""

    model_config = STRICT

    name: Name
    email_domains: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    claims: list[dict[Literal["claim", "value"], str]] = Field(
        default_factory=list,
        description="Single sign-on readers whose ID token has a claim: "
        "{claim: groups, value: customer-a}",
    )
    components: list[Name] = Field(
        default_factory=list, description="Names of components this page shows"
    )


class GroupSpec(BaseModel):
    model_config = STRICT

    name: Name
    description: str = ""
    collapsed: bool = False
    components: list[ComponentSpec] = Field(default_factory=list)
    shared: list[SharedSpec] = Field(
        default_factory=list, description="Other pages' components shown in this group"
    )


class PageSpec(BaseModel):
    model_config = STRICT

    slug: Slug
    name: Name
    time_zone: TimeZone = "UTC"
    languages: list[Literal["en", "es", "pt-br", "fr", "de", "it"]] = Field(default_factory=list)
    url: HttpUrl = ""
    domain: str = Field("", description="The host name that serves this page, if any")
    private: bool = Field(False, description="Only signed-in people may read the page")
    viewer_domains: list[str] = Field(
        default_factory=list, description="Email domains whose people may sign in (private)"
    )
    viewer_emails: list[str] = Field(
        default_factory=list, description="Addresses that may sign in (private)"
    )
    oidc_issuer: HttpUrl = Field("", description="Single sign-on: the OpenID Connect issuer")
    oidc_client_id: str = ""
    oidc_client_secret: str = Field(
        "", description="Write-only: exported as [sealed]; [sealed] keeps the stored one"
    )
    accent_color: str = Field("", description="#rrggbb, readable on white (4.5:1)")
    header_links: list[dict[Literal["label", "url"], str]] = Field(
        default_factory=list, description="Up to five {label, url} links in the header"
    )
    footer_text: str = ""
    custom_css: str = Field("", description="No @import, no url() to other hosts")
    description: str = ""
    support_url: HttpUrl = ""
    groups: list[GroupSpec] = Field(default_factory=list)
    audiences: list[AudienceSpec] = Field(
        default_factory=list, description="Private pages: who sees which components"
    )
    components: list[ComponentSpec] = Field(
        default_factory=list, description="Components outside any group"
    )


PAGE_FIELDS = [
    "name",
    "slug",
    "time_zone",
    "languages",
    "url",
    "domain",
    "private",
    "viewer_domains",
    "viewer_emails",
    "oidc_issuer",
    "oidc_client_id",
    "accent_color",
    "header_links",
    "footer_text",
    "custom_css",
    "description",
    "support_url",
]
GROUP_FIELDS = ["name", "description", "collapsed"]
COMPONENT_FIELDS = [
    "name",
    "description",
    "showcase",
    "only_show_if_degraded",
    "start_date",
    "auto_open",
    "auto_resolve",
    "show_response_times",
]


def _diff(obj, wanted: dict) -> dict:
    return {
        name: (getattr(obj, name), value)
        for name, value in wanted.items()
        if getattr(obj, name) != value
    }


def _check_unique(names: list[tuple[tuple, str]], what: str) -> None:
    seen: set[str] = set()
    for path, name in names:
        if name in seen:
            raise SpecProblem((*path, "name"), f"two {what} are named {name!r}")
        seen.add(name)


def _has_history(component: Component) -> bool:
    return (
        component.status_changes.exists()
        or component.incidents.exists()
        or component.maintenances.exists()
    )


class _PagePlan:
    """The plan for one page of the file; run-time lookups go through ``self``."""

    def __init__(self, spec: PageSpec, index: int, context: Context):
        self.spec = spec
        self.path = ("pages", index)
        self.context = context
        self.actor = context.actor
        self.page = Page.objects.filter(slug=spec.slug).first()
        self.groups: dict[str, ComponentGroup] = {}
        self.changes: list[Change] = []
        # Groups go last, after their components moved out or were deleted.
        self.group_deletes: list[ComponentGroup] = []

    # -- planning ---------------------------------------------------------

    def plan(self, position: int) -> list[Change]:
        spec = self.spec
        _check_unique(
            [((*self.path, "groups", i), g.name) for i, g in enumerate(spec.groups)], "groups"
        )
        wanted = {name: getattr(spec, name) for name in PAGE_FIELDS} | {"position": position}
        if self.page is None:
            self._add("create", "page", spec.slug, self.path, wanted, self._create_page(wanted))
        else:
            diff = _diff(self.page, wanted)
            if diff:
                self._add("update", "page", spec.slug, self.path, diff, self._update_page(diff))
        self._plan_secret()
        self._plan_groups()
        self._plan_components()
        return self.changes

    def _plan_secret(self) -> None:
        """The client secret: compared opened, shown only as [sealed], set on its own."""
        given = self.spec.oidc_client_secret
        stored = self.page.oidc_client_secret if self.page is not None else ""
        path = (*self.path, "oidc_client_secret")
        if given == REDACTED:
            if not stored:
                raise SpecProblem(path, f"no stored secret to keep: give the value, not {REDACTED}")
            return
        if given == (keyring().unseal(stored) if stored else ""):
            return
        diff = {
            "oidc_client_secret": (REDACTED if stored else "", REDACTED_CHANGED if given else "")
        }

        def run():
            lifecycle.update_page(self.page, actor=self.actor, oidc_client_secret=given)

        self._add("update", "page", self.spec.slug, path, diff, run)

    def plan_shared(self, specs: list[PageSpec]) -> list[Change]:
        """Placements of other pages' components, planned after every page's components."""
        self.changes = []
        existing = {}
        if self.page is not None:
            placements = self.page.placements.select_related("component__page", "component__group")
            existing = {p.component_id: p for p in placements}
        named: set[int] = set()
        for g_index, group in enumerate(self.spec.groups):
            for index, shared in enumerate(group.shared):
                path = (*self.path, "groups", g_index, "shared", index)
                label = f"{self.spec.slug} / {group.name} / {shared.page}: {shared.component}"
                component = _find_shared(shared, specs, path)
                current = existing.get(component.pk) if component is not None else None
                if component is not None:
                    named.add(component.pk)
                wanted = {"group": group.name, "position": index}
                if current is None:
                    run = self._place(shared, specs, path, group.name, index)
                    self._add("create", "placement", label, path, wanted, run)
                    continue
                now = {"group": current.group.name if current.group_id else None}
                now["position"] = current.position
                diff = {k: (now[k], v) for k, v in wanted.items() if now[k] != v}
                if diff:
                    run = self._place(shared, specs, path, group.name, index)
                    self._add("update", "placement", label, path, diff, run)
        self._plan_audiences()
        if self.context.prune:
            for component_id, placement in existing.items():
                if component_id not in named:
                    label = f"{self.spec.slug}: {placement.component.page.slug} / "
                    label += placement.component.name
                    run = self._delete(lifecycle.unplace_component, placement)
                    self._add("delete", "placement", label, self.path, {}, run)
        return self.changes

    def _plan_audiences(self) -> None:
        _check_unique(
            [((*self.path, "audiences", i), a.name) for i, a in enumerate(self.spec.audiences)],
            "audiences",
        )
        existing = {}
        if self.page is not None:
            existing = {a.name: a for a in self.page.audiences.prefetch_related("components")}
        for index, spec in enumerate(self.spec.audiences):
            path = (*self.path, "audiences", index)
            label = f"{self.spec.slug} / {spec.name}"
            wanted = {
                "email_domains": spec.email_domains,
                "emails": spec.emails,
                "claims": spec.claims,
                "components": sorted(spec.components),
            }
            current = existing.pop(spec.name, None)
            if current is None:
                self._add("create", "audience", label, path, wanted, self._audience(spec, path))
                continue
            now = {
                "email_domains": current.email_domains,
                "emails": current.emails,
                "claims": current.claims,
                "components": sorted(c.name for c in current.components.all()),
            }
            diff = {k: (now[k], v) for k, v in wanted.items() if now[k] != v}
            if diff:
                run = self._audience(spec, path, current)
                self._add("update", "audience", label, path, diff, run)
        if self.context.prune:
            for name, audience in existing.items():
                run = self._delete(lifecycle.delete_audience, audience)
                self._add("delete", "audience", f"{self.spec.slug} / {name}", self.path, {}, run)

    def _audience(self, spec: AudienceSpec, path, current=None):
        def run():
            by_name = {c.name: c.code for c in shown_components(self.page)}
            missing = [name for name in spec.components if name not in by_name]
            if missing:
                raise SpecProblem(path, f"page {self.spec.slug!r} shows no {missing[0]!r}")
            lifecycle.save_audience(
                self.page,
                actor=self.actor,
                audience=current,
                name=spec.name,
                email_domains=spec.email_domains,
                emails=spec.emails,
                claims=spec.claims,
                components=[by_name[name] for name in spec.components],
            )

        return run

    def _place(self, shared: SharedSpec, specs, path, group: str, position: int):
        def run():
            component = _find_shared(shared, specs, path, required=True)
            lifecycle.place_component(
                component,
                self.page,
                actor=self.actor,
                group=self.groups.get(group) or group,
                position=position,
            )

        return run

    def _add(self, action, kind, label, path, diff, run, note="") -> None:
        if action == "create":
            diff = {k: (None, v) for k, v in diff.items()}
        self.changes.append(Change(action, kind, label, path, diff, run, note))

    def _plan_groups(self) -> None:
        existing = {g.name: g for g in self.page.groups.all()} if self.page else {}
        named = set()
        for index, group in enumerate(self.spec.groups):
            path = (*self.path, "groups", index)
            label = f"{self.spec.slug} / {group.name}"
            wanted = {name: getattr(group, name) for name in GROUP_FIELDS} | {"position": index}
            named.add(group.name)
            current = existing.get(group.name)
            if current is None:
                self._add("create", "group", label, path, wanted, self._create_group(wanted))
            else:
                self.groups[group.name] = current
                diff = _diff(current, wanted)
                if diff:
                    run = self._update(lifecycle.update_group, current, diff)
                    self._add("update", "group", label, path, diff, run)
        if self.context.prune:
            self.group_deletes = [g for name, g in existing.items() if name not in named]

    def _wanted_components(self):
        """(path, group name or None, position, spec) for every component in the file."""
        for index, spec in enumerate(self.spec.components):
            yield (*self.path, "components", index), None, index, spec
        for g_index, group in enumerate(self.spec.groups):
            names = [
                ((*self.path, "groups", g_index, "components", i), c.name)
                for i, c in enumerate(group.components)
            ]
            _check_unique(names, f"components of group {group.name!r}")
            for index, spec in enumerate(group.components):
                path = (*self.path, "groups", g_index, "components", index)
                yield path, group.name, index, spec

    def _plan_components(self) -> None:
        wanted = list(self._wanted_components())
        _check_unique([(p, c.name) for p, g, _, c in wanted if g is None], "ungrouped components")
        existing = list(self.page.components.select_related("group")) if self.page else []
        by_place = {(c.group.name if c.group_id else None, c.name): c for c in existing}
        matched: dict[int, Component] = {}
        for n, (_, group, _, spec) in enumerate(wanted):
            if (group, spec.name) in by_place:
                matched[n] = by_place[(group, spec.name)]
        taken = {c.pk for c in matched.values()}
        for n, (_, _, _, spec) in enumerate(wanted):
            if n in matched:
                continue
            # A component moved to another group: found by a name unique on the page.
            same_name = [c for c in existing if c.name == spec.name and c.pk not in taken]
            if len(same_name) == 1 and sum(1 for w in wanted if w[3].name == spec.name) == 1:
                matched[n] = same_name[0]
                taken.add(same_name[0].pk)

        for n, (path, group, position, spec) in enumerate(wanted):
            label = " / ".join(p for p in (self.spec.slug, group, spec.name) if p)
            fields = {name: getattr(spec, name) for name in COMPONENT_FIELDS}
            fields["position"] = position
            current = matched.get(n)
            if current is None:
                run = self._create_component(fields, group)
                self._add("create", "component", label, path, fields | {"group": group}, run)
                continue
            diff = _diff(current, fields)
            current_group = current.group.name if current.group_id else None
            if current_group != group:
                diff["group"] = (current_group, group)
            if diff:
                run = self._update_component(current, fields, group)
                self._add("update", "component", label, path, diff, run)

        if self.context.prune:
            for component in existing:
                if component.pk in taken:
                    continue
                group = component.group.name if component.group_id else None
                label = " / ".join(p for p in (self.spec.slug, group, component.name) if p)
                if _has_history(component):
                    self._add(
                        "keep",
                        "component",
                        label,
                        self.path,
                        {},
                        None,
                        "it has history (status changes, incidents or maintenances)",
                    )
                else:
                    run = self._delete(lifecycle.delete_component, component)
                    self._add("delete", "component", label, self.path, {}, run)
        for group in self.group_deletes:
            run = self._delete(lifecycle.delete_group, group)
            self._add("delete", "group", f"{self.spec.slug} / {group.name}", self.path, {}, run)

    # -- running (closures called by apply, in plan order) -----------------

    def _create_page(self, wanted):
        def run():
            self.page = lifecycle.create_page(actor=self.actor, **wanted)

        return run

    def _update_page(self, diff):
        def run():
            lifecycle.update_page(
                self.page, actor=self.actor, **{k: v for k, (_, v) in diff.items()}
            )

        return run

    def _create_group(self, wanted):
        def run():
            self.groups[wanted["name"]] = lifecycle.create_group(
                self.page, actor=self.actor, **wanted
            )

        return run

    def _update(self, function, obj, diff):
        def run():
            function(obj, actor=self.actor, **{k: v for k, (_, v) in diff.items()})

        return run

    def _create_component(self, fields, group):
        def run():
            lifecycle.create_component(
                self.page, actor=self.actor, group=self.groups.get(group), **fields
            )

        return run

    def _update_component(self, component, fields, group):
        def run():
            changed = {k: v for k, v in fields.items() if getattr(component, k) != v}
            wanted_group = self.groups.get(group)
            if component.group_id != (wanted_group.pk if wanted_group else None):
                changed["group"] = wanted_group
            lifecycle.update_component(component, actor=self.actor, **changed)

        return run

    def _delete(self, function, obj):
        def run():
            function(obj, actor=self.actor)

        return run


def _find_shared(shared: SharedSpec, specs: list[PageSpec], path, *, required: bool = False):
    """The component a ``shared`` entry names; None when the file creates it in this apply."""
    found = Component.objects.filter(page__slug=shared.page, name=shared.component)
    if shared.group is not None:
        found = found.filter(group__name=shared.group)
    matches = list(found[:2])
    if len(matches) > 1:
        raise SpecProblem(path, f"{shared.component!r} is in several groups; name its group")
    if matches:
        if matches[0].page.slug == specs_slug_of(path, specs):
            raise SpecProblem(path, "a page's own component is listed under components")
        return matches[0]
    listed = any(
        spec.slug == shared.page
        and any(
            c.name == shared.component
            for c in [*spec.components, *(c for g in spec.groups for c in g.components)]
        )
        for spec in specs
    )
    if required or not listed:
        raise SpecProblem(path, f"page {shared.page!r} has no component {shared.component!r}")
    return None


def specs_slug_of(path, specs: list[PageSpec]) -> str:
    return specs[path[1]].slug


def plan(specs: list[PageSpec], context: Context) -> list[Change]:
    _check_unique([(("pages", i), p.slug) for i, p in enumerate(specs)], "pages")
    changes: list[Change] = []
    plans = [_PagePlan(spec, index, context) for index, spec in enumerate(specs)]
    for index, page_plan in enumerate(plans):
        changes += page_plan.plan(position=index)
    # Placements last: the components they name may be created by this apply.
    for page_plan in plans:
        changes += page_plan.plan_shared(specs)
    return changes


def export() -> list[PageSpec]:
    pages = []
    for page in Page.objects.order_by("position", "id"):
        components = list(page.components.order_by("position", "id"))

        def specs_of(group_id, components=components):
            return [
                ComponentSpec(**{name: getattr(c, name) for name in COMPONENT_FIELDS})
                for c in components
                if c.group_id == group_id
            ]

        placed = list(
            page.placements.select_related("component__page", "component__group").order_by(
                "position", "id"
            )
        )

        def shared_of(group_id, placed=placed):
            return [
                SharedSpec(
                    page=p.component.page.slug,
                    component=p.component.name,
                    group=p.component.group.name if p.component.group_id else None,
                )
                for p in placed
                if p.group_id == group_id
            ]

        groups = [
            GroupSpec(
                **{name: getattr(g, name) for name in GROUP_FIELDS},
                components=specs_of(g.pk),
                shared=shared_of(g.pk),
            )
            for g in page.groups.order_by("position", "id")
        ]
        audiences = [
            AudienceSpec(
                name=a.name,
                email_domains=a.email_domains,
                emails=a.emails,
                claims=a.claims,
                components=sorted(c.name for c in a.components.all()),
            )
            for a in page.audiences.prefetch_related("components")
        ]
        pages.append(
            PageSpec(
                **{name: getattr(page, name) for name in PAGE_FIELDS},
                oidc_client_secret=REDACTED if page.oidc_client_secret else "",
                groups=groups,
                audiences=audiences,
                components=specs_of(None),
            )
        )
    return pages


SECTION = Section(
    key="pages",
    schema=list[PageSpec],
    plan=plan,
    export=export,
    order=100,
    description="Status pages, their component groups and components",
)
