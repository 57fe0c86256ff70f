"""TLS certificate expiry: days left on the certificate the server presents."""

from __future__ import annotations

import asyncio
import ssl
import time

from cryptography import x509

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import TlsConf
from aviso.monitors.probes import Outcome, ProbeContext, Target


def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: TlsConf = target.config
    server_name = conf.server_name or conf.host
    started = time.perf_counter()
    try:
        address = await ctx.address(conf.host, conf.port)
    except OSError as error:  # the name does not resolve (a refusal is run_probe's to say)
        return Outcome(CheckStatus.DOWN, None, f"cannot connect: {error}")
    try:
        _, writer = await asyncio.open_connection(
            address, conf.port, ssl=_context(conf.verify), server_hostname=server_name
        )
    except ssl.SSLCertVerificationError as error:
        return Outcome(CheckStatus.DOWN, None, f"certificate not valid: {error.verify_message}")
    except (OSError, ssl.SSLError) as error:
        return Outcome(CheckStatus.DOWN, None, f"TLS handshake failed: {error}")
    latency = (time.perf_counter() - started) * 1000
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    if not der:
        return Outcome(CheckStatus.DOWN, latency, "the server presented no certificate")
    cert = x509.load_der_x509_certificate(der)
    expires = cert.not_valid_after_utc
    days_left = (expires - ctx.now()).total_seconds() / 86400
    metrics = {"days_left": round(days_left, 2), "not_after": expires.isoformat()}
    message = f"expires {expires:%Y-%m-%d %H:%M} UTC ({days_left:.1f} days)"
    if days_left <= 0:
        return Outcome(CheckStatus.DOWN, latency, f"expired {expires:%Y-%m-%d %H:%M} UTC", metrics)
    if days_left <= conf.critical_days:
        return Outcome(CheckStatus.DOWN, latency, message, metrics)
    if days_left <= conf.warn_days:
        return Outcome(CheckStatus.DEGRADED, latency, message, metrics)
    return Outcome(CheckStatus.UP, latency, message, metrics)
