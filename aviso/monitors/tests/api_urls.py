"""A local NinjaAPI mounting the monitors router, for the API tests."""

from django.urls import include, path
from ninja import NinjaAPI

from aviso.monitors.api import build_router

api = NinjaAPI(urls_namespace="monitors-api-test", title="monitors test")
api.add_router("/monitors", build_router())

urlpatterns = [path("api/v1/", api.urls), path("", include("aviso.monitors.urls"))]
