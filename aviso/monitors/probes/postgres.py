"""PostgreSQL saturation: the seed's June incident, seen before it happens.

One connection, one query: connections in use against ``max_connections``
(less the superuser reserve) and against the database's own CONNECTION LIMIT,
the longest-running active query, sessions idle in a transaction, sessions
waiting on a lock; each against a warn and a critical threshold. The recent
samples (kept on the monitor between checks) give a linear trend and, when
connections are climbing, the seconds until none are left.
"""

from __future__ import annotations

import time

import psycopg

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import PostgresConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, by_threshold, worst

QUERY = """
SELECT
  current_setting('max_connections')::int
    - current_setting('superuser_reserved_connections')::int,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
  (SELECT datconnlimit FROM pg_database WHERE datname = current_database()),
  (SELECT count(*) FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND datname = current_database()),
  (SELECT coalesce(extract(epoch FROM max(clock_timestamp() - query_start)), 0)::float
    FROM pg_stat_activity
    WHERE state = 'active' AND datname = current_database() AND pid <> pg_backend_pid()),
  (SELECT count(*) FROM pg_stat_activity
    WHERE state LIKE 'idle in transaction%%' AND datname = current_database()),
  (SELECT count(*) FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND datname = current_database())
"""
MAX_SAMPLES = 30


def time_to_exhaustion(samples: list[list[float]], limit: float) -> float | None:
    """Seconds until ``used`` reaches ``limit`` on the least-squares line through
    ``[timestamp, used]`` samples; None when flat, falling or too few samples."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_u = sum(u for _, u in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return None
    slope = sum((t - mean_t) * (u - mean_u) for t, u in samples) / spread
    if slope <= 0:
        return None
    latest_t, latest_u = samples[-1]
    return max(0.0, (limit - latest_u) / slope)


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: PostgresConf = target.config
    started = time.perf_counter()
    try:
        connection = await psycopg.AsyncConnection.connect(
            conf.dsn, connect_timeout=max(1, int(target.timeout)), autocommit=True
        )
    except psycopg.OperationalError as error:
        message = str(error).strip().splitlines()[-1][:250]
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {message}")
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(QUERY)
            row = await cursor.fetchone()
    finally:
        await connection.close()
    latency = (time.perf_counter() - started) * 1000
    server_limit, server_used, db_limit, db_used, longest, idle_tx, waiting = row
    # The tighter of the two limits is the one that will refuse connections first.
    used, limit = server_used, server_limit
    if db_limit and db_limit > 0 and db_used / db_limit > server_used / server_limit:
        used, limit = db_used, db_limit
    ratio = used / limit if limit else 1.0

    now = ctx.now().timestamp()
    samples = [
        s
        for s in (target.probe_state or {}).get("samples", [])
        if now - s[0] <= conf.trend_window_s
    ]
    samples = [*samples, [now, used]][-MAX_SAMPLES:]
    exhaustion = time_to_exhaustion(samples, limit)

    checks = [
        (by_threshold(ratio, conf.connections_warn, conf.connections_critical),
         f"connections {used}/{limit}"),
        (by_threshold(longest, conf.longest_query_warn_s, conf.longest_query_critical_s),
         f"longest query {longest:.1f} s"),
        (by_threshold(idle_tx, conf.idle_in_transaction_warn or 10**9,
                      conf.idle_in_transaction_critical or 10**9),
         f"{idle_tx} idle in transaction"),
        (by_threshold(waiting, conf.waiting_on_locks_warn or 10**9,
                      conf.waiting_on_locks_critical or 10**9),
         f"{waiting} waiting on locks"),
    ]  # fmt: skip
    if exhaustion is not None and exhaustion < conf.exhaustion_warn_s:
        checks.append((CheckStatus.DEGRADED, f"connections exhausted in ~{exhaustion:.0f} s"))
    status = worst(*(s for s, _ in checks))
    reasons = [text for s, text in checks if s != CheckStatus.UP] or [checks[0][1]]
    metrics = {
        "connections_used": used,
        "connections_limit": limit,
        "saturation": round(ratio, 4),
        "longest_query_s": round(longest, 3),
        "idle_in_transaction": idle_tx,
        "waiting_on_locks": waiting,
        "exhaustion_s": None if exhaustion is None else round(exhaustion, 1),
    }
    return Outcome(status, latency, "; ".join(reasons)[:300], metrics, {"samples": samples})
