"""Opt-in remediation for a saturated PostgreSQL: terminate the sessions of named
roles whose current query has run longer than a limit.

Dry-run by default (it lists what it would end); every run, dry or not, writes an
audit entry on the monitor naming each session (pid, role, seconds, query start).
It connects with a DSN that can still get in when the database is full (a role
with a reserved slot, e.g. a superuser) and that may signal those roles' backends
(superuser, the same role, or a member of ``pg_signal_backend``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import psycopg

from aviso.monitors.models import Monitor
from aviso.status import lifecycle
from aviso.status.lifecycle import Actor, LifecycleError

ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")

_SESSIONS = """
SELECT pid, usename, EXTRACT(EPOCH FROM now() - query_start)::float, left(query, 120)
FROM pg_stat_activity
WHERE datname = %(database)s AND usename = ANY(%(roles)s) AND state = 'active'
  AND pid <> pg_backend_pid() AND now() - query_start > make_interval(secs => %(limit)s)
ORDER BY query_start
"""


@dataclass(frozen=True)
class Session:
    pid: int
    role: str
    seconds: float
    query: str


@dataclass
class Report:
    applied: bool
    sessions: list[Session]
    terminated: list[int]


def _clean(roles: list[str], older_than_s: float, database: str) -> None:
    errors = {}
    if not roles:
        errors["roles"] = "Name at least one role whose sessions may be terminated."
    elif bad := [r for r in roles if not ROLE.match(r)]:
        errors["roles"] = f"Not a role name: {', '.join(bad)}."
    if not older_than_s or older_than_s <= 0:
        errors["older_than_s"] = "The limit must be a positive number of seconds."
    if not database:
        errors["database"] = "Name the database whose sessions to look at."
    if errors:
        raise LifecycleError(errors)


def terminate_long_sessions(
    monitor: Monitor,
    *,
    dsn: str,
    database: str,
    roles: list[str],
    older_than_s: float,
    actor: Actor,
    apply: bool = False,
) -> Report:
    """List (dry run) or terminate (``apply=True``) the long-running sessions of
    ``roles`` on ``database``; audited on ``monitor`` either way."""
    _clean(roles, older_than_s, database)
    params = {"database": database, "roles": roles, "limit": older_than_s}
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
        sessions = [Session(*row) for row in connection.execute(_SESSIONS, params).fetchall()]
        terminated = []
        if apply:
            for session in sessions:
                (ok,) = connection.execute(
                    "SELECT pg_terminate_backend(%s)", [session.pid]
                ).fetchone()
                if ok:
                    terminated.append(session.pid)
    page = monitor.component.page if monitor.component_id else None
    lifecycle.record_change(
        actor,
        "remediation.terminate" if apply else "remediation.dry_run",
        monitor,
        before={
            "database": database, "roles": roles, "older_than_s": older_than_s,
            "sessions": [asdict(s) for s in sessions],
        },
        after={"terminated": terminated} if apply else None,
        page=page,
    )  # fmt: skip
    return Report(apply, sessions, terminated)
