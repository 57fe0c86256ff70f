"""SMTP: the banner, EHLO, optional STARTTLS (or implicit TLS), login and certificate expiry.

The probe opens the socket to the checked address itself and hands it to
aiosmtplib, which keeps the host name for TLS (SNI and the certificate
check). Replies are named by their code only, never quoted.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

import aiosmtplib
from cryptography import x509

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs_services import SmtpConf
from aviso.monitors.probes import Outcome, ProbeContext, Target, cannot_connect, worst

EHLO_NAME = "aviso.monitor"


def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _socket(address: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, (address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _failure(error: Exception) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate not valid: {error.verify_message}"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"the server answered {error.code}"
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"certificate not valid: {cause.verify_message}"
    if isinstance(error, ssl.SSLError | aiosmtplib.SMTPConnectError) and isinstance(
        cause, ssl.SSLError
    ):
        return "TLS handshake failed"
    return f"no SMTP session ({type(error).__name__})"


def _expiry(client: aiosmtplib.SMTP, conf: SmtpConf, ctx: ProbeContext):
    ssl_object = client.transport.get_extra_info("ssl_object") if client.transport else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    if not der:
        return CheckStatus.DOWN, "the server presented no certificate", None
    expires = x509.load_der_x509_certificate(der).not_valid_after_utc
    days = (expires - ctx.now()).total_seconds() / 86400
    said = f"certificate expires in {days:.1f} days"
    if days <= conf.critical_days:
        return CheckStatus.DOWN, said if days > 0 else "certificate expired", days
    if days <= conf.warn_days:
        return CheckStatus.DEGRADED, said, days
    return CheckStatus.UP, said, days


async def probe(target: Target, ctx: ProbeContext) -> Outcome:
    conf: SmtpConf = target.config
    address = await ctx.address(conf.host, conf.port)
    started = time.perf_counter()
    try:
        sock = await _socket(address, conf.port)
    except OSError as error:
        return cannot_connect(error)
    client = aiosmtplib.SMTP(
        hostname=conf.host, sock=sock, local_hostname=EHLO_NAME, timeout=target.timeout,
        use_tls=conf.tls == "implicit", start_tls=False,
        tls_context=_context(conf.verify_tls) if conf.tls != "none" else None,
    )  # fmt: skip
    checks: list[tuple[CheckStatus, str]] = []
    metrics: dict = {}
    try:
        await client.connect()
        await client.ehlo()
        if conf.tls == "starttls":
            if not client.supports_extension("starttls"):
                return Outcome(CheckStatus.DOWN, None, "the server does not offer STARTTLS")
            await client.starttls(server_hostname=conf.host, tls_context=_context(conf.verify_tls))
        latency = (time.perf_counter() - started) * 1000
        if conf.tls != "none":
            status, said, days = _expiry(client, conf, ctx)
            checks.append((status, said))
            metrics["days_left"] = None if days is None else round(days, 2)
        if conf.username:
            if not client.supports_extension("auth"):
                return Outcome(CheckStatus.DOWN, latency, "the server does not offer AUTH")
            await client.login(conf.username, conf.password)
            checks.append((CheckStatus.UP, "login accepted"))
    except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as error:
        return Outcome(CheckStatus.DOWN, None, _failure(error))
    finally:
        client.close()
        sock.close()
    if conf.degraded_latency_ms and latency > conf.degraded_latency_ms:
        checks.append((CheckStatus.DEGRADED, f"slow: {latency:.0f} ms"))
    status = worst(CheckStatus.UP, *(s for s, _ in checks))
    reasons = [text for s, text in checks if s != CheckStatus.UP] or [
        "EHLO answered" + (", TLS up" if conf.tls != "none" else "")
    ]
    return Outcome(status, latency, "; ".join(reasons), metrics or None)
