"""Shared helpers for the per-kind probe tests: run one check, find a closed port."""

from __future__ import annotations

import asyncio
import socket

from aviso.monitors.configs import parse_config
from aviso.monitors.probes import Outcome, ProbeContext, Target, run_probe


def check(kind: str, config: dict, timeout: float = 3.0, **target) -> Outcome:
    """One check of a ``kind`` monitor with ``config``, through ``run_probe`` and its guard."""
    conf = parse_config(kind, config)
    return asyncio.run(run_probe(Target(0, kind, conf, timeout, **target), ProbeContext()))


def closed_port() -> int:
    """An ephemeral port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
