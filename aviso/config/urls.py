from django.urls import path

from aviso.config import views

app_name = "config"

urlpatterns = [
    path("api/v1/config.schema.json", views.config_schema, name="schema"),
]
