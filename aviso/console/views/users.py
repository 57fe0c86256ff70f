"""People and their roles (admins only). Every change goes into the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import devices_for_user, user_has_device

from aviso.console.forms import UserCreateForm, UserRoleForm
from aviso.console.roles import Role, assign_role, console_view, role_of
from aviso.console.views.common import actor
from aviso.status import lifecycle


def _snapshot(user) -> dict:
    role = role_of(user)
    return {
        "username": user.get_username(),
        "email": user.email,
        "role": role.value if role else None,
        "is_active": user.is_active,
        "two_factor": user_has_device(user),
    }


@console_view(Role.ADMIN)
@require_safe
def user_list(request: HttpRequest) -> HttpResponse:
    users = get_user_model().objects.order_by("username").prefetch_related("groups")
    rows = [(user, role_of(user), user_has_device(user)) for user in users]
    return render(
        request,
        "console/users.html",
        {"rows": rows, "role_choices": UserRoleForm.base_fields["role"].choices},
    )


@console_view(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            cd = form.cleaned_data
            User = get_user_model()  # noqa: N806 - Django's convention
            if User.objects.filter(username__iexact=cd["username"]).exists():
                form.add_error("username", _("This user name is taken."))
            else:
                try:
                    password_validation.validate_password(cd["password"])
                except ValidationError as error:
                    form.add_error("password", error)
                else:
                    with transaction.atomic():
                        user = User.objects.create_user(cd["username"], cd["email"], cd["password"])
                        assign_role(user, Role(cd["role"]))
                        lifecycle.record_change(
                            actor(request), "user.create", user, before=None, after=_snapshot(user)
                        )
                    messages.success(request, _("%(name)s can now sign in.") % {"name": user})
                    return redirect("console:users")
    return render(request, "console/user_new.html", {"form": form}, status=status)


@console_view(Role.ADMIN)
@require_POST
def user_role(request: HttpRequest, user: int) -> HttpResponse:
    target = get_object_or_404(get_user_model(), pk=user)
    form = UserRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect("console:users")
    role = Role(form.cleaned_data["role"]) if form.cleaned_data["role"] else None
    if target == request.user and (role != Role.ADMIN or not form.cleaned_data["is_active"]):
        # Locking oneself out is never what an admin means to do from this list.
        messages.error(request, _("You cannot take your own admin role or sign-in away."))
        return redirect("console:users")
    before = _snapshot(target)
    with transaction.atomic():
        assign_role(target, role)
        target.is_active = form.cleaned_data["is_active"]
        target.save(update_fields=["is_active"])
        lifecycle.record_change(
            actor(request), "user.role", target, before=before, after=_snapshot(target)
        )
    messages.success(request, _("%(name)s changed.") % {"name": target})
    return redirect("console:users")


@console_view(Role.ADMIN)
@require_POST
def user_reset_2fa(request: HttpRequest, user: int) -> HttpResponse:
    """For a lost phone: the person signs in with the password alone and sets up again."""
    target = get_object_or_404(get_user_model(), pk=user)
    before = _snapshot(target)
    with transaction.atomic():
        for device in devices_for_user(target, confirmed=None):
            device.delete()
        lifecycle.record_change(
            actor(request), "user.reset_2fa", target, before=before, after=_snapshot(target)
        )
    messages.success(request, _("Two-factor sign-in reset for %(name)s.") % {"name": target})
    return redirect("console:users")
