"""Aviso: a self-hosted status page, incident communication and monitoring platform."""

__version__ = "0.1.0"
