"""Raw data for admins; templates are normally edited in the console."""

from django.contrib import admin

from aviso.console.models import IncidentTemplate


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "page", "status"]
