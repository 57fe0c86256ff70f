"""Each outbox handler's own outcome on each event.

An event is handled once every registered handler has succeeded on it. A
handler that fails is retried on its own, with backoff, and after its last
try it is dead: the event stays visible as dead (console, metric, operator
alert) instead of passing as handled, and the handlers that succeeded are not
run again.
"""

from __future__ import annotations

from django.db import models


class HandlerRun(models.Model):
    """One (event, handler) pair: tries so far, the last error, done or dead."""

    event = models.ForeignKey("status.Event", on_delete=models.CASCADE, related_name="runs")
    handler = models.CharField(max_length=60)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id", "handler"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="handler_run_once")
        ]

    def __str__(self) -> str:
        state = "done" if self.done_at else "dead" if self.dead_at else f"try {self.attempts}"
        return f"{self.handler} on event {self.event_id}: {state}"
