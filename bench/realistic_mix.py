"""A realistic mix of checks at 50,000 monitors (issue 14, item 3).

    PYTHONPATH=. python bench/realistic_mix.py [--n 50000] [--interval 30]
        [--duration 90] [--warmup 30] [--db sqlite|postgres] [--names 1000]
        [--only plain|https|slow|failing] [--pin]

The monitors (interval 30 s, timeout 10 s, spread evenly over the interval):
60 % plain HTTP, 25 % HTTPS, 10 % slow (answered after 1 to 3 s), 5 % failing
(half a 500, half a refused connection). Every URL names its host
(``h<k>.mix.test``, ``--names`` distinct names), never an address: the names are
answered by a local DNS server on 127.0.0.1 (``DnsResponder`` of the tests, TTL
60 s) that the checker is pointed at with ``AVISO_DNS_SERVERS``. The HTTPS
listener's certificate (``*.mix.test``) is signed by a CA made for the run,
which the checker trusts through ``SSL_CERT_FILE``; the checker verifies it as
it would any certificate. Targets: ``bench/http_target.py`` (its own process).

``--pin``: the checker on CPU 1; the target, the DNS server and this script on
CPU 0 (``sched_setaffinity``, as ``taskset`` does), so neither starves the other.
``--only KIND``: every monitor of that kind, for its CPU per check alone.

Prints one JSON line: schedule lag (start of check minus its due time) p50/p99
overall and per kind, checks per second, statuses per kind, the checker's CPU
per wall second and per check, its peak RSS, the DNS queries the server answered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    ROOT,
    Database,
    ProcSampler,
    checker_output,
    create_monitors,
    percentile,
    start_checker,
)

MIX = (("plain", 0.60), ("https", 0.25), ("slow", 0.10), ("failing", 0.05))
A = 1


def kind_of(index: int, only: str | None) -> str:
    """The kind of monitor ``index``: a fixed pattern, so every stretch of the
    interval has the same mix (the monitors are spread over it by index)."""
    if only:
        return only
    slot, total = (index * 37) % 100, 0
    for kind, share in MIX:
        total += share * 100
        if slot < total:
            return kind
    return "plain"


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a ``*.mix.test`` certificate it signed: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Aviso bench CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.mix.test")]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.mix.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return paths


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--duration", type=float, default=90)
    parser.add_argument("--warmup", type=float, default=30)
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--only", choices=[kind for kind, _ in MIX], default=None)
    parser.add_argument("--pin", action="store_true")
    args = parser.parse_args()
    if args.pin:
        os.sched_setaffinity(0, {0})

    folder = Path(tempfile.mkdtemp(prefix="aviso-mix-"))
    ca, cert, key = make_certificates(folder)
    target = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "http_target.py"), "--tls", str(cert), str(key)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    plain_port, tls_port = map(int, target.stdout.readline().split())
    refused = closed_port()

    db = Database(args.db)
    from aviso.monitors.tests.targets import DnsResponder

    class CountingResponder(DnsResponder):
        queries = 0

        def answer(self, query: bytes, udp: bool = False) -> bytes:
            CountingResponder.queries += 1
            return super().answer(query, udp)

    loopback = bytes([127, 0, 0, 1])
    dns = CountingResponder({(f"h{k}.mix.test", A): [loopback] for k in range(args.names)})
    env = db.env() | {
        "AVISO_DNS_SERVERS": f"127.0.0.1:{dns.port}",
        "SSL_CERT_FILE": str(ca),
    }

    def url(index: int) -> str:
        host = f"h{(index * 7919) % args.names}.mix.test"
        kind = kind_of(index, args.only)
        if kind == "https":
            return f"https://{host}:{tls_port}/"
        if kind == "slow":
            return f"http://{host}:{plain_port}/slow?ms={1000 + (index * 7919) % 2000}"
        if kind == "failing":
            return (f"http://{host}:{plain_port}/fail" if index % 2 else
                    f"http://{host}:{refused}/")  # fmt: skip
        return f"http://{host}:{plain_port}/"

    try:
        report = run(args, db, env, url, target, dns)
    finally:
        target.terminate()
        dns.stop()
        db.drop()
    report["dns_queries_answered"] = CountingResponder.queries
    print(json.dumps(report))


def run(args, db: Database, env: dict, url, target, dns) -> dict:
    from aviso.monitors.models import Monitor, Result

    start = create_monitors(args.n, url, args.interval, lead=6.0)
    kinds = {
        pk: kind_of(index, args.only)
        for index, pk in enumerate(Monitor.objects.order_by("id").values_list("id", flat=True))
    }
    checker = start_checker("bench", env, "--stats", "15")
    if args.pin:
        os.sched_setaffinity(checker.pid, {1})
        os.sched_setaffinity(target.pid, {0})
    sampler = ProcSampler(checker.pid)
    load_before = os.getloadavg()[0]
    until_start = (start - dt.datetime.now(dt.UTC)).total_seconds()
    time.sleep(max(0.0, until_start))
    window_start = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=args.warmup)
    cpu_at_window = None
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline and checker.poll() is None:
        sampler.sample()
        if cpu_at_window is None and dt.datetime.now(dt.UTC) >= window_start:
            cpu_at_window = (sampler.cpu, time.monotonic())
        time.sleep(0.5)
    window_end = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    sampler.sample()
    cpu_end = (sampler.cpu, time.monotonic())
    checker.send_signal(signal.SIGTERM)
    output = checker_output(checker, timeout=120)

    lags: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}
    window = Result.objects.filter(due_at__gte=window_start, due_at__lt=window_end)
    rows = window.values_list("monitor_id", "due_at", "checked_at", "status")
    for monitor_id, due, checked, status in rows.iterator(chunk_size=20_000):
        kind = kinds[monitor_id]
        lags.setdefault(kind, []).append((checked - due).total_seconds())
        statuses.setdefault(kind, {}).setdefault(status, 0)
        statuses[kind][status] += 1
    every = [lag for values in lags.values() for lag in values]
    seconds = (window_end - window_start).total_seconds()
    cpu = (cpu_end[0] - cpu_at_window[0]) if cpu_at_window else None
    wall = (cpu_end[1] - cpu_at_window[1]) if cpu_at_window else None
    behind = Monitor.objects.filter(next_due_at__lt=window_end - dt.timedelta(seconds=1)).count()
    return {
        "db": args.db,
        "n": args.n,
        "only": args.only,
        "pinned": args.pin,
        "names": args.names,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "window_s": round(seconds, 1),
        "target_checks_per_s": round(args.n / args.interval, 1),
        "checks_per_s": round(len(every) / seconds, 1),
        "lag_p50_ms": round(percentile(every, 0.5) * 1000, 1),
        "lag_p99_ms": round(percentile(every, 0.99) * 1000, 1),
        "lag_p99_ms_by_kind": {k: round(percentile(v, 0.99) * 1000, 1) for k, v in lags.items()},
        "checks_by_kind": {k: len(v) for k, v in lags.items()},
        "statuses_by_kind": statuses,
        "monitors_behind_at_end": behind,
        "cpu_per_wall_s": None if cpu is None else round(cpu / wall, 2),
        # CPU per wall second over checks per second of the window.
        "cpu_ms_per_check": None if cpu is None or not every else round(
            1000 * (cpu / wall) / (len(every) / seconds), 3
        ),
        "rss_peak_mib": round(sampler.hwm_kb / 1024, 1),
        "checker_tail": output.strip().splitlines()[-2:],
    }


if __name__ == "__main__":
    main()
