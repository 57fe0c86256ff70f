from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "aviso.monitors"
    label = "monitors"
