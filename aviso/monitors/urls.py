from django.urls import path

from aviso.monitors import views, views_form, views_ping

app_name = "monitors"

urlpatterns = [
    path("ping/<uuid:key>", views_ping.ping, name="ping"),
    path("ping/<uuid:key>/start", views_ping.ping, {"kind": "start"}, name="ping-start"),
    path("ping/<uuid:key>/fail", views_ping.ping, {"kind": "fail"}, name="ping-fail"),
    path("console/monitors/", views.monitor_list, name="list"),
    path("console/monitors/new/", views_form.monitor_create, name="create"),
    path("console/monitors/rows/", views.monitor_rows, name="rows"),
    path("console/monitors/bulk/", views.monitor_bulk, name="bulk"),
    path("console/monitors/<str:code>/", views.monitor_detail, name="detail"),
    path("console/monitors/<str:code>/edit/", views_form.monitor_edit, name="edit"),
    path("console/monitors/<str:code>/pause/", views.monitor_pause, name="pause"),
    path("console/monitors/<str:code>/delete/", views.monitor_delete, name="delete"),
]
