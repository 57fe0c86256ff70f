from django.urls import include, path, re_path

from aviso.api import statuspage, views
from aviso.api.api import api

# No app namespace: django-ninja reverses its docs page as "api-v1:...", which a
# namespace around it would hide. The names below carry an "api-" prefix instead.

_V2 = "|".join(name.replace("-", r"\-") for name in statuspage.ENDPOINTS)

urlpatterns = [
    # Some consumers ask for "//api/v2/summary.json": extra slashes are accepted.
    re_path(rf"^(?:/*)api/+v2/+(?P<name>{_V2})\.json$", views.v2, name="api-v2"),
    path("api/v1/", api.urls),
    # Statuspage's management API, for tools written against api.statuspage.io/v1.
    path("", include("aviso.api.v1.urls")),
    path("history.atom", views.history_atom, name="api-history-atom"),
    path("history.rss", views.history_rss, name="api-history-rss"),
    path("maintenance.ics", views.maintenance_ics, name="api-maintenance-ics"),
    path("badge.svg", views.page_badge, name="api-badge"),
    path("components/<slug:code>/badge.svg", views.component_badge, name="api-component-badge"),
]
