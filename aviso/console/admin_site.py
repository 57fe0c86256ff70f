"""The Django admin ("Raw data") as a read-only window behind the console's own door.

Editing rows there would skip the lifecycle: no audit entry, no outbox event.
So every model is view-only, actions are gone, and the admin has no sign-in of
its own: it sends people to the console's, which has the throttle and the
second factor. Only a console admin who passed both sees it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from aviso.console.roles import Role, has_role, needs_otp


class ReadOnly:
    """Mixed into every registered ModelAdmin: look, never touch."""

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


class ReadOnlyAdminSite(admin.AdminSite):
    site_header = "Aviso raw data (read-only)"
    site_title = "Aviso raw data"
    site_url = "/console/"

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        admin_class = admin_class or admin.ModelAdmin
        read_only = type(f"ReadOnly{admin_class.__name__}", (ReadOnly, admin_class), {})
        super().register(model_or_iterable, read_only, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.ADMIN) and not needs_otp(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No password form here: the console's sign-in, then back."""
        user = request.user
        if user.is_authenticated and needs_otp(request):
            logout(request)  # got a session without the second factor: start over
        elif user.is_authenticated:
            return TemplateResponse(
                request, "console/forbidden.html", {"needed": Role.ADMIN}, status=403
            )
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('console:login')}?{urlencode({'next': target})}")

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("console:dashboard")
