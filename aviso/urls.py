from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("console/", include("aviso.console.urls")),
    path("", include("aviso.config.urls")),
    path("", include("aviso.api.urls")),
    path("", include("aviso.monitors.urls")),
    path("", include("aviso.notify.urls")),
    path("", include("aviso.integrations.urls")),
    path("", include("aviso.publish.urls")),
    path("", include("aviso.status.urls")),
]

urlpatterns.insert(0, path("", include("aviso.detection.urls")))
