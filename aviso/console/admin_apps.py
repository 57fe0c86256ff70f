"""Django's admin app with Aviso's read-only site (kept apart: no models imported here)."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class ReadOnlyAdminConfig(AdminConfig):
    default_site = "aviso.console.admin_site.ReadOnlyAdminSite"
