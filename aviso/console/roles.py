"""The console's three roles, kept as Django groups so the admin can see them.

admin: everything, people and settings. responder: incidents, maintenances,
postmortems, component statuses, incident templates. viewer: reads only.
A superuser is an admin whatever its groups.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login as django_redirect
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    RESPONDER = "responder", _("Responder")
    ADMIN = "admin", _("Admin")

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.VIEWER: 1, Role.RESPONDER: 2, Role.ADMIN: 3}
GROUP_NAMES = {role: f"aviso-{role.value}" for role in Role}


def role_of(user) -> Role | None:
    """The highest role a user holds, or None (no console access)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    cached = getattr(user, "_console_role", False)
    if cached is not False:
        return cached
    # groups.all() uses a prefetch when the caller made one (the people list).
    names = {group.name for group in user.groups.all()}
    held = [role for role in Role if GROUP_NAMES[role] in names]
    user._console_role = max(held, key=lambda r: r.rank) if held else None
    return user._console_role


def has_role(user, role: Role) -> bool:
    held = role_of(user)
    return held is not None and held.rank >= role.rank


def assign_role(user, role: Role | None) -> None:
    """Give a user exactly one role (None takes console access away).

    Admins are also staff superusers, so the Django admin (raw data) is theirs.
    """
    groups = [Group.objects.get_or_create(name=name)[0] for name in GROUP_NAMES.values()]
    user.groups.remove(*groups)
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[role])[0])
    is_admin = role == Role.ADMIN
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_console_role", None)


def console_view(role: Role | None):
    """Every console view says who may use it; the permission tests read ``console_role``.

    ``None`` marks the sign-in screens, open to anyone. Otherwise anonymous
    people go to sign-in, people without the role get 403, and people who set
    up two-factor must have passed it in this session.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if role is not None:
                user = request.user
                if not user.is_authenticated:
                    return redirect_to_login(request)
                if needs_otp(request):
                    logout(request)
                    return redirect_to_login(request)
                if not has_role(user, role):
                    return TemplateResponse(
                        request, "console/forbidden.html", {"needed": role}, status=403
                    )
            return view(request, *args, **kwargs)

        wrapper.console_role = role
        return wrapper

    return decorate


def needs_otp(request: HttpRequest) -> bool:
    """A user with a confirmed device whose session did not pass the second factor."""
    user = request.user
    verified = getattr(user, "is_verified", None)
    return user_has_device(user) and not (verified and verified())


def redirect_to_login(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return redirect("console:login")
    return django_redirect(request.get_full_path())
