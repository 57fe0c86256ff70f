"""What ``aviso up --demo`` runs beside its children (the demo's synthetic services).

The demo app registers a hook here (status imports no app above it); each hook
returns the environment its children need and the function that stops it.
"""

from __future__ import annotations

from collections.abc import Callable

Stop = Callable[[], None]
Hook = Callable[[], tuple[dict[str, str], Stop]]
_hooks: list[Hook] = []


def register_demo_hook(hook: Hook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def start_demo_hooks() -> tuple[dict[str, str], list[Stop]]:
    env: dict[str, str] = {}
    stops: list[Stop] = []
    for hook in _hooks:
        extra, stop = hook()
        env.update(extra)
        stops.append(stop)
    return env, stops
