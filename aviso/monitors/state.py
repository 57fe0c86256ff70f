"""Confirmations: how a run of raw check results changes a monitor's state."""

from __future__ import annotations

from aviso.monitors.choices import CheckStatus, MonitorState


def advance(
    state: str,
    streak_status: str,
    streak: int,
    status: CheckStatus,
    *,
    confirmations_down: int,
    confirmations_up: int,
) -> tuple[MonitorState, str, int]:
    """The new (state, streak_status, streak) after one more result.

    A monitor with no state yet takes its first result as is. Otherwise it moves
    to "down" or "degraded" after ``confirmations_down`` results in a row, and
    back to "up" after ``confirmations_up``; one stray result changes nothing.
    """
    streak = streak + 1 if status == streak_status else 1
    if state == MonitorState.UNKNOWN:
        return MonitorState(status.value), status.value, streak
    if state == status.value:
        return MonitorState(state), status.value, streak
    needed = confirmations_up if status == CheckStatus.UP else confirmations_down
    if streak >= max(1, needed):
        return MonitorState(status.value), status.value, streak
    return MonitorState(state), status.value, streak
