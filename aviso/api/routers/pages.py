"""Pages, component groups and components."""

# No `from __future__ import annotations`: django-ninja reads these signatures at
# import time and must see real types inside list[...] and unions.

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, UploadedFile
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from aviso.api import auth
from aviso.api.choices import TokenScope
from aviso.api.common import Pagination, errors, get_by_code, get_page, idempotent
from aviso.api.schemas import (
    AudienceIn,
    AudienceOut,
    ComponentIn,
    ComponentOut,
    ComponentPatch,
    GroupIn,
    GroupOut,
    GroupPatch,
    PageIn,
    PageOut,
    PagePatch,
    PlacementIn,
    PlacementOut,
    ViewerTokenCreated,
    ViewerTokenIn,
    ViewerTokenOut,
)
from aviso.lib import branding
from aviso.status import lifecycle
from aviso.status.choices import ComponentStatus
from aviso.status.models import (
    Audience,
    Component,
    ComponentGroup,
    ComponentPlacement,
    Page,
    ViewerToken,
)

router = Router(tags=["pages"])
# Fields that may be set to null on purpose; a null elsewhere means "unchanged".
NULLABLE = {"group", "start_date"}


def _changes(payload) -> dict:
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in NULLABLE}


@router.get("", response={200: list[PageOut], **errors()}, auth=auth.READ)
@paginate(Pagination)
def list_pages(request: HttpRequest):
    return Page.objects.order_by("position", "id")


@router.post("", response={201: PageOut, **errors(409)}, auth=auth.ADMIN)
@decorate_view(idempotent)
def create_page(request: HttpRequest, payload: PageIn):
    fields = payload.dict()
    if fields["slug"] is None:
        del fields["slug"]
    fields["header_links"] = [dict(link) for link in fields["header_links"]]
    return 201, lifecycle.create_page(actor=auth.actor(request), **fields)


@router.get("/{page}", response={200: PageOut, **errors()}, auth=auth.READ)
def get_page_detail(request: HttpRequest, page: str):
    return get_page(page)


@router.patch("/{page}", response={200: PageOut, **errors()}, auth=auth.ADMIN)
def update_page(request: HttpRequest, page: str, payload: PagePatch):
    changes = _changes(payload)
    if "header_links" in changes:
        changes["header_links"] = [dict(link) for link in changes["header_links"]]
    return lifecycle.update_page(get_page(page), actor=auth.actor(request), **changes)


def _upload(request: HttpRequest, page: str, kind: str, file: UploadedFile):
    data = file.read(branding.MAX_IMAGE_BYTES + 1)
    return lifecycle.set_page_image(get_page(page), kind, data, actor=auth.actor(request))


@router.post("/{page}/logo", response={200: PageOut, **errors()}, auth=auth.ADMIN, tags=["brand"])
def upload_logo(request: HttpRequest, page: str, file: UploadedFile = File(...)):  # noqa: B008
    """Upload the page's logo (multipart, field ``file``): PNG, JPEG, WebP or ICO, 512 KB."""
    return _upload(request, page, "logo", file)


@router.delete("/{page}/logo", response={200: PageOut, **errors()}, auth=auth.ADMIN, tags=["brand"])
def delete_logo(request: HttpRequest, page: str):
    return lifecycle.set_page_image(get_page(page), "logo", None, actor=auth.actor(request))


@router.post(
    "/{page}/favicon", response={200: PageOut, **errors()}, auth=auth.ADMIN, tags=["brand"]
)
def upload_favicon(request: HttpRequest, page: str, file: UploadedFile = File(...)):  # noqa: B008
    """Upload the page's favicon (multipart, field ``file``): PNG or ICO, 512 KB."""
    return _upload(request, page, "favicon", file)


@router.delete(
    "/{page}/favicon", response={200: PageOut, **errors()}, auth=auth.ADMIN, tags=["brand"]
)
def delete_favicon(request: HttpRequest, page: str):
    return lifecycle.set_page_image(get_page(page), "favicon", None, actor=auth.actor(request))


# Component groups


def _groups(page: Page):
    members = Prefetch("components", queryset=Component.objects.order_by("position", "id"))
    return ComponentGroup.objects.filter(page=page).prefetch_related(members)


@router.get(
    "/{page}/groups", response={200: list[GroupOut], **errors()}, auth=auth.READ, tags=["groups"]
)
@paginate(Pagination)
def list_groups(request: HttpRequest, page: str):
    return _groups(get_page(page)).order_by("position", "id")


@router.post(
    "/{page}/groups", response={201: GroupOut, **errors()}, auth=auth.ADMIN, tags=["groups"]
)
@decorate_view(idempotent)
def create_group(request: HttpRequest, page: str, payload: GroupIn):
    group = lifecycle.create_group(get_page(page), actor=auth.actor(request), **payload.dict())
    return 201, _groups(group.page).get(pk=group.pk)


@router.get(
    "/{page}/groups/{code}", response={200: GroupOut, **errors()}, auth=auth.READ, tags=["groups"]
)
def get_group(request: HttpRequest, page: str, code: str):
    return get_by_code(_groups(get_page(page)), code, "group")


@router.patch(
    "/{page}/groups/{code}",
    response={200: GroupOut, **errors()},
    auth=auth.ADMIN,
    tags=["groups"],
)
def update_group(request: HttpRequest, page: str, code: str, payload: GroupPatch):
    group = get_by_code(_groups(get_page(page)), code, "group")
    lifecycle.update_group(group, actor=auth.actor(request), **_changes(payload))
    return _groups(group.page).get(pk=group.pk)


@router.delete(
    "/{page}/groups/{code}", response={204: None, **errors()}, auth=auth.ADMIN, tags=["groups"]
)
def delete_group(request: HttpRequest, page: str, code: str):
    group = get_by_code(_groups(get_page(page)), code, "group")
    lifecycle.delete_group(group, actor=auth.actor(request))
    return 204, None


# Components


def _components(page: Page):
    return Component.objects.filter(page=page).select_related("group", "page")


@router.get(
    "/{page}/components",
    response={200: list[ComponentOut], **errors()},
    auth=auth.READ,
    tags=["components"],
)
@paginate(Pagination)
def list_components(
    request: HttpRequest,
    page: str,
    status: ComponentStatus | None = Query(None),  # noqa: B008
    group: str | None = Query(None, max_length=100),  # noqa: B008
):
    components = _components(get_page(page)).order_by("group__position", "position", "id")
    if status is not None:
        components = components.filter(status=status)
    if group is not None:
        components = components.filter(group__code=group)
    return components


@router.post(
    "/{page}/components",
    response={201: ComponentOut, **errors()},
    auth=auth.ADMIN,
    tags=["components"],
)
@decorate_view(idempotent)
def create_component(request: HttpRequest, page: str, payload: ComponentIn):
    fields = payload.dict()
    component = lifecycle.create_component(get_page(page), actor=auth.actor(request), **fields)
    return 201, _components(component.page).get(pk=component.pk)


@router.get(
    "/{page}/components/{code}",
    response={200: ComponentOut, **errors()},
    auth=auth.READ,
    tags=["components"],
)
def get_component(request: HttpRequest, page: str, code: str):
    return get_by_code(_components(get_page(page)), code, "component")


@router.patch(
    "/{page}/components/{code}",
    response={200: ComponentOut, **errors()},
    auth=auth.WRITE,
    tags=["components"],
)
def update_component(request: HttpRequest, page: str, code: str, payload: ComponentPatch):
    component = get_by_code(_components(get_page(page)), code, "component")
    changes = _changes(payload)
    status = changes.pop("status", None)
    if changes:
        auth.require_scope(request, TokenScope.ADMIN)
    with transaction.atomic():
        if changes:
            component = lifecycle.update_component(component, actor=auth.actor(request), **changes)
        if status is not None:
            lifecycle.set_component_status(component, status, actor=auth.actor(request))
    return _components(component.page).get(pk=component.pk)


@router.delete(
    "/{page}/components/{code}",
    response={204: None, **errors()},
    auth=auth.ADMIN,
    tags=["components"],
)
def delete_component(request: HttpRequest, page: str, code: str):
    component = get_by_code(_components(get_page(page)), code, "component")
    lifecycle.delete_component(component, actor=auth.actor(request))
    return 204, None


# Components of other pages shown on this one


def _placements(page: Page):
    return ComponentPlacement.objects.filter(page=page).select_related("component__page", "group")


@router.get(
    "/{page}/placements",
    response={200: list[PlacementOut], **errors()},
    auth=auth.READ,
    tags=["components"],
)
@paginate(Pagination)
def list_placements(request: HttpRequest, page: str):
    return _placements(get_page(page)).order_by("position", "id")


@router.post(
    "/{page}/placements",
    response={201: PlacementOut, **errors()},
    auth=auth.ADMIN,
    tags=["components"],
)
def place_component(request: HttpRequest, page: str, payload: PlacementIn):
    """Show another page's component on this page (again: move it to another group)."""
    target = get_page(page)
    component = get_by_code(Component.objects.all(), payload.component, "component")
    placement = lifecycle.place_component(
        component,
        target,
        actor=auth.actor(request),
        group=payload.group,
        position=payload.position,
    )
    return 201, _placements(target).get(pk=placement.pk)


@router.delete(
    "/{page}/placements/{code}",
    response={204: None, **errors()},
    auth=auth.ADMIN,
    tags=["components"],
)
def unplace_component(request: HttpRequest, page: str, code: str):
    placement = _placements(get_page(page)).filter(component__code=code).first()
    if placement is None:
        raise Http404(f"No component {code!r} placed on this page.")
    lifecycle.unplace_component(placement, actor=auth.actor(request))
    return 204, None


# Audiences of a private page


def _audiences(page: Page):
    return Audience.objects.filter(page=page).prefetch_related("components")


@router.get(
    "/{page}/audiences",
    response={200: list[AudienceOut], **errors()},
    auth=auth.READ,
    tags=["audiences"],
)
@paginate(Pagination)
def list_audiences(request: HttpRequest, page: str):
    return _audiences(get_page(page))


@router.post(
    "/{page}/audiences",
    response={201: AudienceOut, **errors()},
    auth=auth.ADMIN,
    tags=["audiences"],
)
def create_audience(request: HttpRequest, page: str, payload: AudienceIn):
    target = get_page(page)
    audience = lifecycle.save_audience(target, actor=auth.actor(request), **payload.dict())
    return 201, _audiences(target).get(pk=audience.pk)


@router.put(
    "/{page}/audiences/{code}",
    response={200: AudienceOut, **errors()},
    auth=auth.ADMIN,
    tags=["audiences"],
)
def replace_audience(request: HttpRequest, page: str, code: str, payload: AudienceIn):
    target = get_page(page)
    audience = get_by_code(_audiences(target), code, "audience")
    lifecycle.save_audience(target, actor=auth.actor(request), audience=audience, **payload.dict())
    return _audiences(target).get(pk=audience.pk)


@router.delete(
    "/{page}/audiences/{code}",
    response={204: None, **errors()},
    auth=auth.ADMIN,
    tags=["audiences"],
)
def delete_audience(request: HttpRequest, page: str, code: str):
    audience = get_by_code(_audiences(get_page(page)), code, "audience")
    lifecycle.delete_audience(audience, actor=auth.actor(request))
    return 204, None


# Viewer tokens: a private page's JSON, feeds and badges without a sign-in


def _viewer_tokens(page: Page):
    return ViewerToken.objects.filter(page=page).select_related("audience")


@router.get(
    "/{page}/viewer-tokens",
    response={200: list[ViewerTokenOut], **errors()},
    auth=auth.ADMIN,
    tags=["viewer tokens"],
)
@paginate(Pagination)
def list_viewer_tokens(request: HttpRequest, page: str):
    return _viewer_tokens(get_page(page))


@router.post(
    "/{page}/viewer-tokens",
    response={201: ViewerTokenCreated, **errors()},
    auth=auth.ADMIN,
    tags=["viewer tokens"],
)
def create_viewer_token(request: HttpRequest, page: str, payload: ViewerTokenIn):
    """A token for a private page's machine answers; the response holds it, this once."""
    target = get_page(page)
    audience = None
    if payload.audience is not None:
        audience = Audience.objects.filter(page=target, code=payload.audience).first()
        if audience is None:
            raise lifecycle.LifecycleError({"audience": _("Not an audience of this page.")})
    token, raw = lifecycle.issue_viewer_token(
        target, actor=auth.actor(request), name=payload.name, audience=audience
    )
    token.token = raw
    return 201, token


@router.delete(
    "/{page}/viewer-tokens/{code}",
    response={204: None, **errors()},
    auth=auth.ADMIN,
    tags=["viewer tokens"],
)
def revoke_viewer_token(request: HttpRequest, page: str, code: str):
    """Revoke a token: it stops working at once (it stays listed, revoked)."""
    token = get_by_code(_viewer_tokens(get_page(page)), code, "viewer token")
    lifecycle.revoke_viewer_token(token, actor=auth.actor(request))
    return 204, None
