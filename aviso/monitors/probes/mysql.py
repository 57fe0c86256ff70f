"""MySQL and MariaDB: connect, ``SELECT 1``, and connection usage against the limits.

Usage is the tighter of two ratios: all client threads against
``max_connections``, and this account's own sessions against its
``max_user_connections`` (the session value is the account's
MAX_USER_CONNECTIONS when one is set, else the global one). As for
PostgreSQL, the recent samples give a trend and the seconds until the limit.

asyncmy is handed the checked address, never the name. Errors are named by
the server's error number only: its text can quote what the server holds.
"""

from __future__ import annotations

import time

import asyncmy
from asyncmy.errors import MySQLError

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import MysqlConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, by_threshold, cannot_connect, worst
from aviso.monitors.probes.postgres import MAX_SAMPLES, time_to_exhaustion

QUERY = """
SELECT 1,
  @@GLOBAL.max_connections,
  (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon'),
  @@SESSION.max_user_connections,
  (SELECT COUNT(*) FROM information_schema.PROCESSLIST
    WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1))
"""
# The server's refusals by error number, and how the probe says each.
REFUSALS = {
    1040: "too many connections",
    1045: "access denied (user or password)",
    1044: "access denied to the database",
    1049: "the database does not exist",
    1203: "the account has used all its connections (max_user_connections)",
    1226: "the account has exceeded a resource limit",
    1129: "the host is blocked after too many connection errors",
    1130: "this host may not connect",
    2003: "connection refused",
    2013: "the server closed the connection",
}


def refusal(error: MySQLError) -> str:
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    if code in REFUSALS:
        return REFUSALS[code]
    return f"the server refused ({type(error).__name__}, error {code})"


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: MysqlConf = target.config
    address = await ctx.address(conf.host, conf.port)
    started = time.perf_counter()
    try:
        connection = await asyncmy.connect(
            host=address, port=conf.port, user=conf.username, password=conf.password,
            database=conf.database or None, connect_timeout=max(1, int(target.timeout)),
        )  # fmt: skip
    except MySQLError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {refusal(error)}")
    except OSError as error:
        return cannot_connect(error)
    try:
        async with connection.cursor() as cursor:
            await cursor.execute(QUERY)
            row = await cursor.fetchone()
    except MySQLError as error:
        return Outcome(CheckStatus.DOWN, None, f"query failed: {refusal(error)}")
    finally:
        connection.close()
    latency = (time.perf_counter() - started) * 1000
    one, server_limit, server_used, user_limit, user_used = (int(v) for v in row)
    if one != 1:
        return Outcome(CheckStatus.DOWN, latency, "SELECT 1 did not answer 1")
    # The tighter of the two limits is the one that will refuse connections first.
    used, limit, scope = server_used, server_limit, "server"
    if user_limit and user_used / user_limit > server_used / max(server_limit, 1):
        used, limit, scope = user_used, user_limit, "account"
    ratio = used / limit if limit else 1.0

    now = ctx.now().timestamp()
    samples = [
        s for s in (target.probe_state or {}).get("samples", [])
        if now - s[0] <= conf.trend_window_s
    ]  # fmt: skip
    samples = [*samples, [now, used]][-MAX_SAMPLES:]
    exhaustion = time_to_exhaustion(samples, limit)

    checks = [
        (by_threshold(ratio, conf.connections_warn, conf.connections_critical),
         f"{scope} connections {used}/{limit}"),
    ]  # fmt: skip
    if exhaustion is not None and exhaustion < conf.exhaustion_warn_s:
        checks.append((CheckStatus.DEGRADED, f"connections exhausted in ~{exhaustion:.0f} s"))
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        checks.append((CheckStatus.DEGRADED, f"slow: {latency:.0f} ms"))
    status = worst(*(s for s, _ in checks))
    reasons = [text for s, text in checks if s != CheckStatus.UP] or [checks[0][1]]
    metrics = {
        "connections_used": used,
        "connections_limit": limit,
        "saturation": round(ratio, 4),
        "exhaustion_s": None if exhaustion is None else round(exhaustion, 1),
    }
    return Outcome(status, latency, "; ".join(reasons), metrics, {"samples": samples})
