from django.urls import path

from aviso.status import brand_views, viewer_views, views

app_name = "status"

urlpatterns = [
    path("", views.status_page, name="index"),
    path("history", views.history, name="history"),
    path("uptime", views.uptime_report, name="uptime"),
    path("language", views.switch_language, name="language"),
    path("incidents/<slug:code>", views.incident_detail, name="incident"),
    path("maintenances/<slug:code>", views.maintenance_detail, name="maintenance"),
    path("brand.css", brand_views.brand_css, name="brand-css"),
    path("widget.js", brand_views.widget, name="widget"),
    path("sign-in", viewer_views.sign_in, name="sign-in"),
    path("sign-in/oidc", viewer_views.sign_in_oidc, name="sign-in-oidc"),
    path("sign-in/oidc/callback", viewer_views.sign_in_oidc_callback, name="sign-in-oidc-callback"),
    path("sign-in/<str:token>", viewer_views.sign_in_link, name="sign-in-link"),
    path("brand/logo", brand_views.logo, name="brand-logo"),
    path("brand/favicon", brand_views.favicon, name="brand-favicon"),
]
