from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "aviso.console"
    label = "console"
    verbose_name = "Console"
