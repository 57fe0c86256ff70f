"""Sign-in (password, then the TOTP code when the person set one up) and sign-out."""

from __future__ import annotations

import time

from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login

from aviso.console import throttle
from aviso.console.forms import SignInForm, TokenForm
from aviso.console.roles import console_view, role_of

PENDING_USER = "console_otp_user"
PENDING_BACKEND = "console_otp_backend"
PENDING_NEXT = "console_otp_next"
PENDING_SINCE = "console_otp_since"
# The password step counts for this long; after it, start over.
PENDING_SECONDS = 300


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/console/"


def throttled(user) -> bool:
    """django-otp slows guessing down: after a wrong code, even the right one waits."""
    return any(not device.verify_is_allowed()[0] for device in devices_for_user(user))


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many failed sign-ins. Try again in %(seconds)d second.",
        "Too many failed sign-ins. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}


@console_view(None)
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and role_of(request.user) is not None:
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        wait = throttle.wait_seconds(request, username)
        if wait:
            form.add_error(None, _wait_message(wait))
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                throttle.record_failure(request, username)
                form.add_error(None, _("The user name or the password is wrong."))
                status = 400
            elif user_has_device(user):
                request.session[PENDING_USER] = user.pk
                request.session[PENDING_BACKEND] = user.backend
                request.session[PENDING_NEXT] = next_url
                request.session[PENDING_SINCE] = time.time()
                return redirect("console:verify")
            else:
                throttle.record_success(request, username)
                login(request, user)
                return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "console/sign_in.html", {"form": form, "next": next_url}, status=status)


@console_view(None)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the authenticator app."""
    user_pk = request.session.get(PENDING_USER)
    fresh = time.time() - request.session.get(PENDING_SINCE, 0) < PENDING_SECONDS
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first() if fresh else None
    if user is None:
        for key in (PENDING_USER, PENDING_BACKEND, PENDING_NEXT, PENDING_SINCE):
            request.session.pop(key, None)
        return redirect("console:login")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        wait = throttle.wait_seconds(request, user.get_username())
        if wait:
            form.add_error(None, _wait_message(wait))
            status = 429
        else:
            slowed = throttled(user)
            device = None if slowed else match_token(user, form.cleaned_data["token"].strip())
            if slowed:
                form.add_error(
                    "token", _("Too many wrong codes; wait a few seconds and try again.")
                )
                status = 400
            elif device is None:
                throttle.record_failure(request, user.get_username())
                form.add_error("token", _("That code is wrong or has expired."))
                status = 400
            else:
                throttle.record_success(request, user.get_username())
                backend = request.session.pop(PENDING_BACKEND)
                next_url = request.session.pop(PENDING_NEXT, "/console/")
                request.session.pop(PENDING_USER)
                request.session.pop(PENDING_SINCE)
                login(request, user, backend=backend)
                otp_login(request, device)
                return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "console/verify.html", {"form": form}, status=status)


@console_view(None)
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("console:login")
