from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "aviso.demo"
    label = "demo"
