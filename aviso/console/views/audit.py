"""The audit log, read only: who did what, when, before and after."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from aviso.console.roles import Role, console_view
from aviso.console.views.common import with_page
from aviso.status.choices import ActorKind
from aviso.status.models import AuditEntry, Page

PER_PAGE = 50


@console_view(Role.VIEWER)
@require_safe
@with_page
def audit_log(request: HttpRequest, page: Page) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action", "").strip()
    kind = request.GET.get("actor_kind", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    if kind in ActorKind.values:
        entries = entries.filter(actor_kind=kind)
    paginator = Paginator(entries, PER_PAGE)
    return render(
        request,
        "console/audit.html",
        {
            "page": page,
            "page_obj": paginator.get_page(request.GET.get("p")),
            "action": action,
            "actor_kind": kind,
            "actor_kinds": ActorKind.choices,
        },
    )
