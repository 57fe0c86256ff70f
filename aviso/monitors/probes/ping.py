"""Ping: ICMP echo requests through icmplib; packet loss and round-trip time thresholds.

Unprivileged datagram ICMP sockets are used where the system allows them
(``net.ipv4.ping_group_range`` includes the process's group); otherwise raw
sockets, which need root or CAP_NET_RAW. icmplib is handed the checked
address, never the name.
"""

from __future__ import annotations

from icmplib import Host, async_ping
from icmplib.exceptions import ICMPLibError, SocketPermissionError

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import PingConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, by_threshold, worst

NEVER = float("inf")  # a threshold left unset


def verdict(host: Host, conf: PingConf) -> Outcome:
    """The outcome of one round of echoes against ``conf``'s thresholds."""
    loss = host.packet_loss
    metrics = {"packets_sent": host.packets_sent, "packets_received": host.packets_received,
               "packet_loss": round(loss, 4)}  # fmt: skip
    if not host.packets_received:
        return Outcome(CheckStatus.DOWN, None, f"no echo reply ({host.packets_sent} sent)", metrics)
    rtt = host.avg_rtt
    metrics.update(rtt_min_ms=host.min_rtt, rtt_avg_ms=rtt, rtt_max_ms=host.max_rtt)
    warn = conf.rtt_warn_ms if conf.rtt_warn_ms is not None else NEVER
    critical = conf.rtt_critical_ms if conf.rtt_critical_ms is not None else NEVER
    checks = [
        (by_threshold(loss, conf.loss_warn, conf.loss_critical), f"{loss:.0%} packet loss"),
        (by_threshold(rtt, warn, critical), f"round trip {rtt:.2f} ms"),
    ]
    status = worst(*(s for s, _ in checks))
    reasons = [text for s, text in checks if s != CheckStatus.UP] or [t for _, t in checks]
    return Outcome(status, rtt, "; ".join(reasons), metrics)


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: PingConf = target.config
    address = await ctx.address(conf.host, 0)
    # icmplib waits up to ``timeout`` for each reply, then ``interval`` before the next.
    per_echo = max(0.1, target.timeout * 0.9 / conf.count - conf.interval_s)
    options = {"count": conf.count, "interval": conf.interval_s, "timeout": per_echo}
    try:
        try:
            host = await async_ping(address, privileged=False, **options)
        except SocketPermissionError:  # datagram ICMP not allowed for our group: try raw
            host = await async_ping(address, privileged=True, **options)
    except SocketPermissionError:
        return Outcome(CheckStatus.DOWN, None, "no ICMP socket allowed (see docs/monitors.md)")
    except ICMPLibError as error:
        return Outcome(CheckStatus.DOWN, None, f"cannot ping ({type(error).__name__})")
    return verdict(host, conf)
