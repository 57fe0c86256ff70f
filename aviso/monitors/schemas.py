"""The management API's shapes for monitors (v1)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class MonitorIn(Schema):
    name: str
    kind: str
    config: dict
    component: str | None = None  # a component's code
    interval_seconds: int = 60
    timeout_seconds: float = 10.0
    confirmations_down: int = 2
    confirmations_up: int = 1
    regions: list[str] = []
    paused: bool = False
    depends_on: str | None = None  # the code of the monitor this one depends on


class MonitorPatch(Schema):
    name: str | None = None
    kind: str | None = None
    config: dict | None = None
    component: str | None = None
    interval_seconds: int | None = None
    timeout_seconds: float | None = None
    confirmations_down: int | None = None
    confirmations_up: int | None = None
    regions: list[str] | None = None
    paused: bool | None = None
    depends_on: str | None = None


class MonitorOut(Schema):
    code: str
    name: str
    kind: str
    config: dict
    component: str | None
    interval_seconds: int
    timeout_seconds: float
    confirmations_down: int
    confirmations_up: int
    regions: list[str]
    paused: bool
    depends_on: str | None
    state: str
    state_since: dt.datetime | None
    last_status: str
    last_latency_ms: float | None
    last_checked_at: dt.datetime | None
    last_message: str
    next_due_at: dt.datetime
    ping_url: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MonitorPage(Schema):
    count: int
    results: list[MonitorOut]


class ResultOut(Schema):
    due_at: dt.datetime
    checked_at: dt.datetime
    status: str
    latency_ms: float | None
    message: str
    region: str
    metrics: dict | None


class RollupOut(Schema):
    hour: dt.datetime
    up: int
    degraded: int
    down: int
    latency_min: float | None
    latency_avg: float | None
    latency_max: float | None
    latency_p95: float | None


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] = {}
