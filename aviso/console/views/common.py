"""What every console screen shares: the page it works on, the actor, error messages."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from aviso.status.lifecycle import Actor
from aviso.status.models import Page


def actor(request: HttpRequest) -> Actor:
    return Actor.person(request.user)


def with_page(view):
    """Hand the view the page it works on (the default one), in that page's time zone.

    Times typed into console forms and shown on console screens are in the
    page's zone, as on the public page. Without a page yet, admins go to the
    settings screen to create one.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        page = Page.default()
        if page is None:
            messages.info(request, _("Create the status page first."))
            return redirect("console:settings")
        with timezone.override(page.zone):
            return view(request, page, *args, **kwargs)

    return wrapper
