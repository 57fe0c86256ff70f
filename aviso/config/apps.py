from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Configuration as code, Statuspage import, backup and restore. No models of its own."""

    name = "aviso.config"
    label = "aviso_config"
    verbose_name = "Configuration"
