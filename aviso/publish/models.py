from __future__ import annotations

from django.db import models


class RenderState(models.Model):
    """Whether the public snapshots are behind the database, and who is rendering them.

    One row per rendered target (``snapshots``, and ``publish-dir`` when a static
    copy is kept). Every outbox event bumps ``wanted``; a render records the
    ``wanted`` it started from in ``rendered``. ``dirty_since`` and ``changed_at``
    drive the debounce; ``claimed_by``/``claimed_until`` keep two workers from
    rendering the same target at once.
    """

    target = models.CharField(max_length=32, unique=True)
    wanted = models.PositiveBigIntegerField(default=1)
    rendered = models.PositiveBigIntegerField(default=0)
    dirty_since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    renders = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.target}: wanted {self.wanted}, rendered {self.rendered}"

    @property
    def is_dirty(self) -> bool:
        return self.wanted != self.rendered


class PendingRender(models.Model):
    """What one change touched (see ``publish.touched``), until a render has taken it in.

    Written by the event handler, one row per event, so concurrent handlers never
    update the same row; a render takes the rows it started from and deletes them
    once its snapshots are stored.
    """

    target = models.CharField(max_length=32, db_index=True)
    scope = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.target}: {self.scope}"
