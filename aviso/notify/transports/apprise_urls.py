"""Operator alerts through Apprise: one URL reaches Teams, Discord, Telegram, PagerDuty, ntfy..."""

from __future__ import annotations

import logging


def validate(url: str) -> str | None:
    """None when Apprise understands ``url``, else a message saying it does not."""
    import apprise  # imported lazily: it loads every plugin

    instance = apprise.Apprise()
    if not instance.add(url):
        return "Apprise does not recognise this URL (see the Apprise wiki for the formats)."
    return None


def send(url: str, title: str, body: str) -> str | None:
    """Send one alert; None on success, else what went wrong."""
    import apprise

    instance = apprise.Apprise()
    if not instance.add(url):
        return "Apprise does not recognise this URL."
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = instance.notify(title=title, body=body)
    if ok:
        return None
    return (captured.getvalue().strip() or "Apprise reported a failure.")[-1000:]
