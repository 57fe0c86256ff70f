from __future__ import annotations

from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    """The seed's incidents replayed end to end (``aviso scenario NAME``). No models."""

    name = "aviso.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios"
