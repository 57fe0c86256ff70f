from django.urls import path

from aviso.monitors import views, views_ping

app_name = "monitors"

urlpatterns = [
    path("ping/<uuid:key>", views_ping.ping, name="ping"),
    path("ping/<uuid:key>/start", views_ping.ping, {"kind": "start"}, name="ping-start"),
    path("ping/<uuid:key>/fail", views_ping.ping, {"kind": "fail"}, name="ping-fail"),
    path("console/monitors/", views.monitor_list, name="list"),
    path("console/monitors/new/", views.monitor_create, name="create"),
    path("console/monitors/<str:code>/", views.monitor_detail, name="detail"),
    path("console/monitors/<str:code>/edit/", views.monitor_edit, name="edit"),
    path("console/monitors/<str:code>/pause/", views.monitor_pause, name="pause"),
    path("console/monitors/<str:code>/delete/", views.monitor_delete, name="delete"),
]
