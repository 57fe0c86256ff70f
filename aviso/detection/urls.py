from django.urls import path

from aviso.detection import views

app_name = "detection"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
]
