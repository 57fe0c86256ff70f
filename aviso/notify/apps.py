from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "aviso.notify"
    label = "notify"
