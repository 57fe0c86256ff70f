"""Audit entries for changes that live outside the status models.

Other apps' own settings (the console's incident templates and people's roles,
later alert channels or monitors) change in their own tables, but every change
a person makes belongs in the one audit log. They call ``record_change``.
"""

from __future__ import annotations

from django.db import models

from aviso.status.lifecycle.actors import Actor
from aviso.status.lifecycle.records import record
from aviso.status.models import Page


def record_change(
    actor: Actor,
    action: str,
    obj: models.Model,
    *,
    before: dict | None,
    after: dict | None,
    page: Page | None = None,
) -> None:
    """Write one audit entry (no outbox event: nothing public changed)."""
    record(actor, action, obj, page=page, before=before, after=after, event=None)
