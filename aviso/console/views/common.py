"""What every console screen shares: the page it works on, the actor, error messages."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aviso.lib.markdown import TooLong, render_preview
from aviso.status.lifecycle import Actor
from aviso.status.lifecycle.validation import MAX_BODY_CHARS
from aviso.status.models import Page


def preview_html(text: str) -> str:
    """A draft's preview, or a line saying it is too long to preview (nothing is lost:
    the form keeps what was typed)."""
    try:
        return render_preview(text, max_chars=MAX_BODY_CHARS)
    except TooLong:
        return format_html(
            '<p class="error">{}</p>',
            _("The text is longer than %(max)s characters; shorten it to preview it.")
            % {"max": MAX_BODY_CHARS},
        )


def actor(request: HttpRequest) -> Actor:
    return Actor.person(request.user)


SELECTED_PAGE = "console_page"  # the session key of the page an operator works on


def selected_page(request: HttpRequest) -> Page | None:
    """The page the operator chose on the Pages screen, else the first page."""
    slug = request.session.get(SELECTED_PAGE) if hasattr(request, "session") else None
    page = Page.objects.filter(slug=slug).first() if slug else None
    return page or Page.default()


def with_page(view):
    """Hand the view the page it works on (the one chosen on the Pages screen, else the
    first), in that page's time zone.

    Times typed into console forms and shown on console screens are in the
    page's zone, as on the public page. Without a page yet, admins go to the
    settings screen to create one.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        page = selected_page(request)
        if page is None:
            messages.info(request, _("Create the status page first."))
            return redirect("console:settings")
        with timezone.override(page.zone):
            return view(request, page, *args, **kwargs)

    return wrapper
