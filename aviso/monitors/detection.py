"""The seam between measuring and deciding: every stored batch of results is
handed, after its transaction commits, to the registered callbacks.

Automatic incidents (the next issue) register one here; so can tests and
metrics exporters. A failing callback is logged and never loses the results
(they are already stored) nor stops the other callbacks.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aviso.monitors.choices import CheckStatus, MonitorState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    monitor_id: int
    component_id: int | None
    due_at: dt.datetime
    checked_at: dt.datetime
    status: CheckStatus  # this check's raw outcome
    latency_ms: float | None
    message: str
    previous_state: MonitorState  # the confirmed state before this check
    state: MonitorState  # the confirmed state after it (confirmations applied)
    streak: int  # how many checks in a row gave ``status``
    region: str = ""  # the checker's --region (set by the checker; "" when none)

    @property
    def changed(self) -> bool:
        return self.state != self.previous_state


Hook = Callable[[list[Observation]], None]
_hooks: list[Hook] = []


def register(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def unregister(hook: Hook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def dispatch(observations: list[Observation]) -> None:
    if not observations:
        return
    for hook in list(_hooks):
        try:
            hook(observations)
        except Exception:
            log.exception("detection hook %r failed", hook)
