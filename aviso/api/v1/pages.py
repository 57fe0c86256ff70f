"""Pages, components and component groups."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse

from aviso.api.choices import TokenScope
from aviso.api.v1 import shapes
from aviso.api.v1.http import (
    V1Error,
    actor,
    boolean,
    id_list,
    not_found,
    ok,
    page_of,
    paged,
    resource,
    string,
    valid_id,
    wrapped,
)
from aviso.status import lifecycle
from aviso.status.models import Component, ComponentGroup, Page

READ, WRITE, ADMIN = TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN

# Statuspage's page fields -> Aviso's.
PAGE_FIELDS = {
    "name": "name",
    "page_description": "description",
    "time_zone": "time_zone",
    "url": "url",
    "support_url": "support_url",
}


def list_pages(request: HttpRequest) -> HttpResponse:
    rows = paged(request, Page.objects.order_by("position", "id"))
    return ok([shapes.page_object(p) for p in rows])


def get_page(request: HttpRequest, page_id: str) -> HttpResponse:
    return ok(shapes.page_object(page_of(page_id)))


def update_page(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "page")
    fields = {
        ours: string(data, theirs) or "" for theirs, ours in PAGE_FIELDS.items() if theirs in data
    }
    if "name" in fields and not fields["name"]:
        raise V1Error(422, "name: can't be blank")
    page = lifecycle.update_page(page, actor=actor(request), **fields)
    return ok(shapes.page_object(page))


pages = resource({"GET": (READ, list_pages)})
page = resource(
    {"GET": (READ, get_page), "PATCH": (ADMIN, update_page), "PUT": (ADMIN, update_page)}
)


# Components


def _component(page: Page, component_id: str) -> Component:
    found = page.components.filter(code=component_id).first() if valid_id(component_id) else None
    if found is None:
        raise not_found("component")
    return found


def _group_ref(page: Page, data: dict) -> ComponentGroup | None:
    group_id = string(data, "group_id")
    if not group_id:
        return None
    group = page.groups.filter(code=group_id).first() if valid_id(group_id) else None
    if group is None:
        raise V1Error(422, f"group_id: no component group {group_id!r} on this page.")
    return group


def _start_date(data: dict) -> dt.date | None:
    value = string(data, "start_date")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise V1Error(422, "start_date must be a date (YYYY-MM-DD).") from None


def _component_fields(page: Page, data: dict) -> dict:
    fields: dict = {}
    for name in ("name", "description"):
        if name in data:
            fields[name] = string(data, name) or ""
    for name in ("showcase", "only_show_if_degraded"):
        if name in data:
            fields[name] = boolean(data, name)
    if "group_id" in data:
        fields["group"] = _group_ref(page, data)
    if "start_date" in data:
        fields["start_date"] = _start_date(data)
    return fields


def list_components(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(paged(request, shapes.component_objects(page)))


def create_component(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "component")
    fields = _component_fields(page, data)
    if not fields.get("name"):
        raise V1Error(422, "name: can't be blank")
    status = string(data, "status") or "operational"
    component = lifecycle.create_component(page, actor=actor(request), status=status, **fields)
    return ok(shapes.component_object(page, component.code), 201)


def get_component(request: HttpRequest, page_id: str, component_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(shapes.component_object(page, _component(page, component_id).code))


def update_component(request: HttpRequest, page_id: str, component_id: str) -> HttpResponse:
    page = page_of(page_id)
    component = _component(page, component_id)
    data = wrapped(request, "component")
    fields = _component_fields(page, data)
    if "name" in fields and not fields["name"]:
        raise V1Error(422, "name: can't be blank")
    if fields:
        component = lifecycle.update_component(component, actor=actor(request), **fields)
    status = string(data, "status")
    if status is not None:
        lifecycle.set_component_status(component, status, actor=actor(request))
    return ok(shapes.component_object(page, component.code))


def delete_component(request: HttpRequest, page_id: str, component_id: str) -> HttpResponse:
    page = page_of(page_id)
    component = _component(page, component_id)
    lifecycle.delete_component(component, actor=actor(request))
    return HttpResponse(status=204)


components = resource({"GET": (READ, list_components), "POST": (ADMIN, create_component)})
component = resource(
    {
        "GET": (READ, get_component),
        "PATCH": (WRITE, update_component),
        "PUT": (WRITE, update_component),
        "DELETE": (ADMIN, delete_component),
    }
)


# Component groups


def _group(page: Page, group_id: str) -> ComponentGroup:
    found = page.groups.filter(code=group_id).first() if valid_id(group_id) else None
    if found is None:
        raise not_found("component group")
    return found


def _set_members(page: Page, group: ComponentGroup, ids: list[str], request) -> None:
    """The group holds exactly these components: moved in or out through the lifecycle."""
    wanted = list(page.components.filter(code__in=ids))
    if len(wanted) != len(set(ids)):
        known = {c.code for c in wanted}
        missing = ", ".join(i for i in ids if i not in known)
        raise V1Error(422, f"components: unknown component ids: {missing}")
    for component in group.components.exclude(pk__in=[c.pk for c in wanted]):
        lifecycle.update_component(component, actor=actor(request), group=None)
    for component in wanted:
        if component.group_id != group.pk:
            lifecycle.update_component(component, actor=actor(request), group=group)


def list_groups(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    groups = paged(request, page.groups.order_by("position", "id"))
    return ok(shapes.group_objects(page, groups))


def create_group(request: HttpRequest, page_id: str) -> HttpResponse:
    page = page_of(page_id)
    data = wrapped(request, "component_group")
    name = string(data, "name")
    if not name:
        raise V1Error(422, "name: can't be blank")
    ids = id_list(data, "components")
    if not ids:
        # Statuspage refuses an empty group: a group is shown only through its components.
        raise V1Error(422, "components: a group needs at least one component.")
    fields = {"name": name}
    if "description" in data:
        fields["description"] = string(data, "description") or ""
    group = lifecycle.create_group(page, actor=actor(request), **fields)
    _set_members(page, group, ids, request)
    return ok(shapes.group_objects(page, [group])[0], 201)


def get_group(request: HttpRequest, page_id: str, group_id: str) -> HttpResponse:
    page = page_of(page_id)
    return ok(shapes.group_objects(page, [_group(page, group_id)])[0])


def update_group(request: HttpRequest, page_id: str, group_id: str) -> HttpResponse:
    page = page_of(page_id)
    group = _group(page, group_id)
    data = wrapped(request, "component_group")
    fields = {}
    if "name" in data:
        fields["name"] = string(data, "name") or ""
        if not fields["name"]:
            raise V1Error(422, "name: can't be blank")
    if "description" in data:
        fields["description"] = string(data, "description") or ""
    if fields:
        group = lifecycle.update_group(group, actor=actor(request), **fields)
    ids = id_list(data, "components")
    if ids is not None:
        if not ids:
            raise V1Error(422, "components: a group needs at least one component.")
        _set_members(page, group, ids, request)
    return ok(shapes.group_objects(page, [group])[0])


def delete_group(request: HttpRequest, page_id: str, group_id: str) -> HttpResponse:
    page = page_of(page_id)
    lifecycle.delete_group(_group(page, group_id), actor=actor(request))
    return HttpResponse(status=204)


groups = resource({"GET": (READ, list_groups), "POST": (ADMIN, create_group)})
group = resource(
    {
        "GET": (READ, get_group),
        "PATCH": (ADMIN, update_group),
        "PUT": (ADMIN, update_group),
        "DELETE": (ADMIN, delete_group),
    }
)
