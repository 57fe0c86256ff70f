"""PostgreSQL saturation: the seed's June incident, seen before it happens.

One connection, one query: connections in use against ``max_connections``
(less the superuser reserve) and against the database's own CONNECTION LIMIT,
the longest-running active query, sessions idle in a transaction, sessions
waiting on a lock; each against a warn and a critical threshold. The recent
samples (kept on the monitor between checks) give a linear trend and, when
connections are climbing, the seconds until none are left.

libpq connects by itself, so the probe checks every host of the DSN through
the address guard first and hands libpq the checked addresses (``hostaddr``),
keeping ``host`` for TLS. A failed connection is described in the probe's own
words: libpq's messages can quote what the server sent.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from aviso.lib.netguard import BlockedAddress
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
# libpq's words for why a connection failed, and how the probe says each.
CONNECT_FAILURES = [
    ("Connection refused", "connection refused"),
    ("timeout expired", "timed out"),
    ("could not translate host name", "the host name does not resolve"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
    ("No such file or directory", "no server on that socket"),
    ("server closed the connection unexpectedly", "the server closed the connection"),
    ("too many clients", "too many connections"),
    ("too many connections", "too many connections"),
    ("password authentication failed", "password authentication failed"),
    ("no password supplied", "the server wants a password"),
    ("does not exist", "the database or role does not exist"),
    ("is starting up", "the server is starting up"),
    ("is shutting down", "the server is shutting down"),
    ("SSL", "TLS negotiation failed"),
]
# The server's refusals by SQLSTATE (a code, so nothing the server wrote is shown).
REFUSALS = {
    "53300": "too many connections",
    "28P01": "password authentication failed",
    "28000": "authorization refused",
    "3D000": "the database does not exist",
    "57P03": "the server is starting up or shutting down",
}


def endpoints(dsn: str) -> list[tuple[str, int]]:
    """(host, port) of each network host in the DSN; Unix sockets are left out."""
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return []
    hosts = str(params.get("hostaddr") or params.get("host") or "").split(",")
    ports = str(params.get("port") or "5432").split(",")
    found = []
    for index, host in enumerate(hosts):
        if host and not host.startswith(("/", "@")):
            port = ports[index] if len(ports) > 1 and index < len(ports) else ports[0]
            found.append((host, int(port) if port.isdigit() else 5432))
    return found


async def guarded_dsn(dsn: str, ctx: ProbeContext) -> str:
    """The DSN with ``hostaddr`` set to the checked address of each host.

    A Unix socket (a host starting with ``/`` or ``@``, or no host at all)
    reaches this machine, so it is refused when private addresses are; a
    ``service`` names a host the guard cannot see and is refused always.
    """
    params = conninfo_to_dict(dsn)
    if params.get("service"):
        raise BlockedAddress("refused: a service= entry hides the host from the address guard")
    hosts = str(params.get("host") or "").split(",")
    given = str(params.get("hostaddr") or "").split(",")
    ports = str(params.get("port") or "5432").split(",")
    checked = []
    for index, host in enumerate(hosts):
        port = ports[index] if len(ports) > 1 and index < len(ports) else ports[0]
        port_number = int(port) if port.isdigit() else 5432
        address = given[index] if index < len(given) else ""
        if address:
            checked.append(await ctx.address(address, port_number))
        elif not host or host.startswith(("/", "@")):
            if ctx.policy.block_private:
                raise BlockedAddress("refused: a Unix socket is a local address")
            checked.append("")
        else:
            checked.append(await ctx.address(host, port_number))
    if any(checked):
        params["hostaddr"] = ",".join(checked)
    return make_conninfo(**params)


def connect_failure(error: psycopg.Error) -> str:
    """Why the connection failed, without repeating the server's own text."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return REFUSALS.get(sqlstate, f"the server refused the connection ({type(error).__name__})")
    text = str(error)
    for fragment, said in CONNECT_FAILURES:
        if fragment in text:
            return said
    return "no PostgreSQL server answered as expected"


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
        dsn = await guarded_dsn(conf.dsn, ctx)
    except psycopg.ProgrammingError:
        return Outcome(CheckStatus.DOWN, None, "the DSN cannot be read")
    except OSError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {error.strerror or error}")
    try:
        connection = await psycopg.AsyncConnection.connect(
            dsn, connect_timeout=max(1, int(target.timeout)), autocommit=True
        )
    except psycopg.OperationalError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {connect_failure(error)}")
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
