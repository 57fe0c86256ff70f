from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "aviso.api"
    label = "api"
