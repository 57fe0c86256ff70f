from django.urls import path, re_path

from aviso.api import statuspage, views
from aviso.api.api import api

app_name = "api"

_V2 = "|".join(name.replace("-", r"\-") for name in statuspage.ENDPOINTS)

urlpatterns = [
    # Some consumers ask for "//api/v2/summary.json": extra slashes are accepted.
    re_path(rf"^(?:/*)api/+v2/+(?P<name>{_V2})\.json$", views.v2, name="v2"),
    path("api/v1/", api.urls),
    path("history.atom", views.history_atom, name="history_atom"),
    path("history.rss", views.history_rss, name="history_rss"),
    path("maintenance.ics", views.maintenance_ics, name="maintenance_ics"),
    path("badge.svg", views.page_badge, name="badge"),
    path("components/<slug:code>/badge.svg", views.component_badge, name="component_badge"),
]
