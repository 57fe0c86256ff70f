"""A private page's sign-in: ask for a link by email, then spend it (see aviso.status.viewers)."""

from __future__ import annotations

import logging

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from aviso.status import links, oidc, viewers
from aviso.status.languages import use_page_language
from aviso.status.models import Page
from aviso.status.ratelimit import allow, client_address
from aviso.status.routing import public_page
from aviso.status.viewers import record_sign_in

log = logging.getLogger(__name__)

# Sign-in links asked for from one address, per ten minutes.
LINKS_PER_ADDRESS = 10
WINDOW_SECONDS = 600


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("Your work email"), max_length=254)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)


def _private_page(request: HttpRequest) -> Page:
    page = public_page(request, gate=False)
    if page is None or not page.private:
        raise Http404("This page needs no sign-in.")
    use_page_language(request, page)
    return page


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    page = _private_page(request)
    if request.method != "POST":
        form = SignInForm(initial={"next": request.GET.get("next", "/")})
        return _no_store(render(request, "status/sign_in.html", {"page": page, "form": form}))
    form = SignInForm(request.POST)
    if not form.is_valid():
        context = {"page": page, "form": form}
        return _no_store(render(request, "status/sign_in.html", context, status=400))
    if not allow("viewer-link", client_address(request), LINKS_PER_ADDRESS, WINDOW_SECONDS):
        context = {"page": page, "form": form, "too_many": True}
        return _no_store(render(request, "status/sign_in.html", context, status=429))
    viewers.request_link(
        page,
        form.cleaned_data["email"],
        language=translation.get_language() or "en",
        next_path=form.cleaned_data["next"] or "/",
    )
    # The same answer whether the address was admitted or not.
    context = {"page": page, "email": form.cleaned_data["email"]}
    return _no_store(render(request, "status/sign_in_sent.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    page = _private_page(request)
    if request.method != "POST":
        found = viewers.link_from_token(token)
        usable = found is not None and found.page_id == page.pk and found.used_at is None
        context = {"page": page, "usable": usable}
        return _no_store(render(request, "status/sign_in_link.html", context))
    link = viewers.redeem(token)
    if link is None or link.page_id != page.pk:
        context = {"page": page, "usable": False}
        return _no_store(render(request, "status/sign_in_link.html", context, status=400))
    viewers.remember(request, link)
    # Back to where the reader was going, relative to this page (its domain or /p/<slug>/).
    return _no_store(HttpResponseRedirect(links.relative_from(link.next_path, request.path_info)))


@require_http_methods(["GET", "HEAD"])
def sign_in_oidc(request: HttpRequest) -> HttpResponse:
    """Off to the page's OpenID Connect provider."""
    page = _private_page(request)
    if not page.has_oidc:
        raise Http404("This page has no single sign-on.")
    try:
        target = oidc.start(page, request.session, request.GET.get("next", "/"))
    except oidc.SignInFailed as error:
        return _failed(request, page, error)
    return _no_store(HttpResponseRedirect(target))


@require_http_methods(["GET", "HEAD"])
def sign_in_oidc_callback(request: HttpRequest) -> HttpResponse:
    page = _private_page(request)
    if not page.has_oidc:
        raise Http404("This page has no single sign-on.")
    try:
        email, next_path, claims = oidc.finish(
            page,
            request.session,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
        )
    except oidc.SignInFailed as error:
        return _failed(request, page, error)
    if not page.admits(email):
        context = {"page": page, "form": SignInForm(), "refused": email}
        return _no_store(render(request, "status/sign_in.html", context, status=403))
    viewers.remember_email(request, page.pk, email, claims)
    record_sign_in(page, email, "oidc")
    return _no_store(HttpResponseRedirect(links.relative_from(next_path, request.path_info)))


def _failed(request: HttpRequest, page: Page, error: Exception) -> HttpResponse:
    log.warning("OIDC sign-in to page %s failed: %s", page.slug, error)
    context = {"page": page, "form": SignInForm(), "sso_failed": True}
    # Not a 5xx: the session (the spent attempt) is only saved on answers below 500.
    return _no_store(render(request, "status/sign_in.html", context, status=400))
