from django.urls import path

from aviso.status import views

app_name = "status"

urlpatterns = [
    path("", views.status_page, name="index"),
    path("history", views.history, name="history"),
    path("uptime", views.uptime_report, name="uptime"),
    path("language", views.switch_language, name="language"),
    path("incidents/<slug:code>", views.incident_detail, name="incident"),
    path("maintenances/<slug:code>", views.maintenance_detail, name="maintenance"),
]
