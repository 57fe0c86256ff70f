from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "aviso.publish"
    label = "publish"
