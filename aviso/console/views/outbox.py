"""The outbox screen: events the worker gave up on, with each handler's outcome and a retry."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor, with_page
from aviso.status import lifecycle
from aviso.status.models import Event, HandlerRun, Page

SHOWN = 200


@console_view(Role.VIEWER)
@require_safe
@with_page
def outbox(request: HttpRequest, page: Page) -> HttpResponse:
    runs = Prefetch("runs", queryset=HandlerRun.objects.order_by("handler"))
    dead = Event.objects.filter(dead_at__isnull=False).prefetch_related(runs).order_by("-dead_at")
    waiting = Event.objects.filter(handled_at__isnull=True, dead_at__isnull=True)
    return render(
        request,
        "console/outbox.html",
        {
            "page": page,
            "section": "outbox",
            "dead_events": dead[:SHOWN],
            "dead_count": dead.count(),
            "waiting_count": waiting.count(),
            "retrying": waiting.filter(attempts__gt=0).prefetch_related(runs)[:SHOWN],
        },
    )


@console_view(Role.RESPONDER)
@require_POST
def retry(request: HttpRequest, event: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=event)
    try:
        lifecycle.retry_event(event, actor=actor(request))
    except lifecycle.LifecycleError as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(request, _("Event #%(id)s is queued again.") % {"id": event.pk})
    return redirect("console:outbox")
