"""Raw data for admins. Daily work happens in the console, through the lifecycle."""

from django.contrib import admin

from aviso.status import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is changed only by the lifecycle, so the admin shows it read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone", "position"]


@admin.register(models.ComponentGroup)
class ComponentGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "page", "position"]


@admin.register(models.Component)
class ComponentAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "status", "page"]
    list_filter = ["status", "page"]


@admin.register(models.Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "impact", "started_at", "resolved_at"]
    list_filter = ["status", "impact"]
    search_fields = ["name"]


@admin.register(models.IncidentUpdate)
class IncidentUpdateAdmin(ReadOnlyAdmin):
    list_display = ["incident", "status", "display_at"]


@admin.register(models.Maintenance)
class MaintenanceAdmin(ReadOnlyAdmin):
    list_display = ["name", "status", "scheduled_for", "scheduled_until"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "actor_kind"]


@admin.register(models.Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "at", "handled_at", "attempts"]
    list_filter = ["kind"]
