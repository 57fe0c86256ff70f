"""One's own account: the optional TOTP second factor and the password."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from aviso.console.forms import OperatorLanguageForm, TokenForm
from aviso.console.middleware import operator_language
from aviso.console.models import OperatorPreference
from aviso.console.roles import Role, console_view
from aviso.console.views.common import actor
from aviso.status import lifecycle

DEVICE_NAME = "authenticator"


def _pending(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


@console_view(Role.VIEWER)
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    return _render(request, TokenForm())


def _render(
    request: HttpRequest,
    token_form: TokenForm,
    status: int = 200,
    language_form: OperatorLanguageForm | None = None,
) -> HttpResponse:
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    pending = None if confirmed else _pending(user)
    qr = None
    if pending is not None:
        # segno writes plain SVG: no image library, nothing fetched by the browser.
        qr = mark_safe(  # noqa: S308 - segno's own SVG of our own URL
            segno.make(pending.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
        )
    return render(
        request,
        "console/account.html",
        {
            "confirmed": confirmed,
            "pending": pending,
            "secret": _secret(pending) if pending else "",
            "qr": qr,
            "token_form": token_form,
            "language_form": language_form
            or OperatorLanguageForm(initial={"language": operator_language(user)}),
        },
        status=status,
    )


@console_view(Role.VIEWER)
@require_POST
def start_2fa(request: HttpRequest) -> HttpResponse:
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    return redirect("console:account")


@console_view(Role.VIEWER)
@require_POST
def confirm_2fa(request: HttpRequest) -> HttpResponse:
    device = _pending(request.user)
    form = TokenForm(request.POST)
    if device is None:
        return redirect("console:account")
    if form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error("token", _("Too many wrong codes; wait a few seconds and try again."))
        return _render(request, form, status=400)
    if not form.is_valid() or not device.verify_token(form.cleaned_data["token"].strip()):
        if form.is_valid():
            form.add_error("token", _("That code is wrong or has expired. Try the next one."))
        return _render(request, form, status=400)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        lifecycle.record_change(
            actor(request),
            "user.enable_2fa",
            request.user,
            before={"two_factor": False},
            after={"two_factor": True},
        )
    # This session has just shown the second factor.
    otp_login(request, device)
    messages.success(request, _("Two-factor sign-in is on."))
    return redirect("console:account")


@console_view(Role.VIEWER)
@require_POST
def disable_2fa(request: HttpRequest) -> HttpResponse:
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    form = TokenForm(request.POST)
    # Turning it off takes a current code, so a borrowed session cannot do it.
    if not form.is_valid() or not any(
        d.verify_token(form.cleaned_data["token"].strip()) for d in devices
    ):
        if form.is_valid():
            form.add_error("token", _("That code is wrong or has expired."))
        return _render(request, form, status=400)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).delete()
        lifecycle.record_change(
            actor(request),
            "user.disable_2fa",
            request.user,
            before={"two_factor": True},
            after={"two_factor": False},
        )
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("console:account")


@console_view(Role.VIEWER)
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with transaction.atomic():
                user = form.save()
                lifecycle.record_change(
                    actor(request), "user.password", user, before=None, after=None
                )
            update_session_auth_hash(request, user)
            messages.success(request, _("Password changed."))
            return redirect("console:account")
    return render(request, "console/password.html", {"form": form}, status=status)


@console_view(Role.VIEWER)
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The console's language for this person; blank leaves it to the browser."""
    form = OperatorLanguageForm(request.POST)
    if not form.is_valid():
        return _render(request, TokenForm(), language_form=form, status=400)
    chosen = form.cleaned_data["language"]
    with transaction.atomic():
        before = operator_language(request.user)
        OperatorPreference.objects.update_or_create(
            user=request.user, defaults={"language": chosen}
        )
        lifecycle.record_change(
            actor(request),
            "user.language",
            request.user,
            before={"language": before},
            after={"language": chosen},
        )
    # Said in the language just chosen, as the next page will be.
    with translation.override(chosen or translation.get_language()):
        messages.success(request, _("Console language saved."))
    return redirect("console:account")
