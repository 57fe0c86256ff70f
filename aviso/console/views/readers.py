"""The Readers screen (admins): a private page's audiences and its viewer tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aviso.console.forms import AudienceForm, ViewerTokenForm, add_lifecycle_errors
from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor, with_page
from aviso.status import lifecycle
from aviso.status.models import Audience, Page, ViewerToken
from aviso.status.showing import shown_components

# The raw value of a token just made, shown on the next screen once, then dropped.
NEW_TOKEN = "console_new_viewer_token"  # noqa: S105 - a session key, not a secret


def _audiences(page: Page) -> list[Audience]:
    return list(Audience.objects.filter(page=page).prefetch_related("components"))


def _screen(request: HttpRequest, page: Page, token_form, status: int = 200) -> HttpResponse:
    context = {
        "page": page,
        "audiences": _audiences(page),
        "tokens": list(ViewerToken.objects.filter(page=page).select_related("audience")),
        "token_form": token_form,
        "new_token": request.session.pop(NEW_TOKEN, None),
    }
    return render(request, "console/readers.html", context, status=status)


@console_view(Role.ADMIN)
@require_http_methods(["GET"])
@with_page
def readers(request: HttpRequest, page: Page) -> HttpResponse:
    return _screen(request, page, ViewerTokenForm(audiences=_audiences(page)))


def _audience_form(request: HttpRequest, page: Page, audience: Audience | None) -> HttpResponse:
    components = list(shown_components(page).order_by("name"))
    initial = AudienceForm.initial_of(audience) if audience else None
    form = AudienceForm(request.POST or None, components=components, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lifecycle.save_audience(
                    page, actor=actor(request), audience=audience, **form.audience_fields()
                )
            except lifecycle.LifecycleError as error:
                add_lifecycle_errors(form, error)
            else:
                messages.success(request, _("Audience saved."))
                return redirect("console:readers")
    context = {"page": page, "form": form, "audience": audience}
    return render(request, "console/audience_form.html", context, status=status)


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@with_page
def audience_new(request: HttpRequest, page: Page) -> HttpResponse:
    return _audience_form(request, page, None)


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@with_page
def audience_edit(request: HttpRequest, page: Page, audience: str) -> HttpResponse:
    found = get_object_or_404(
        Audience.objects.prefetch_related("components"), page=page, code=audience
    )
    return _audience_form(request, page, found)


@console_view(Role.ADMIN)
@require_POST
@with_page
def audience_delete(request: HttpRequest, page: Page, audience: str) -> HttpResponse:
    found = get_object_or_404(Audience, page=page, code=audience)
    lifecycle.delete_audience(found, actor=actor(request))
    messages.success(request, _("Audience deleted."))
    return redirect("console:readers")


@console_view(Role.ADMIN)
@require_POST
@with_page
def token_new(request: HttpRequest, page: Page) -> HttpResponse:
    audiences = _audiences(page)
    form = ViewerTokenForm(request.POST, audiences=audiences)
    if form.is_valid():
        chosen = next((a for a in audiences if a.code == form.cleaned_data["audience"]), None)
        try:
            _token, raw = lifecycle.issue_viewer_token(
                page, actor=actor(request), name=form.cleaned_data["name"], audience=chosen
            )
        except lifecycle.LifecycleError as error:
            add_lifecycle_errors(form, error)
        else:
            # In the server-side session, never in a message cookie; popped on the next screen.
            request.session[NEW_TOKEN] = raw
            return redirect("console:readers")
    return _screen(request, page, form, status=400)


@console_view(Role.ADMIN)
@require_POST
@with_page
def token_revoke(request: HttpRequest, page: Page, viewer_token: str) -> HttpResponse:
    token = get_object_or_404(ViewerToken, page=page, code=viewer_token)
    lifecycle.revoke_viewer_token(token, actor=actor(request))
    messages.success(request, _("The token is revoked: it no longer reads the page."))
    return redirect("console:readers")
