"""Public pages under load: ``aviso web`` (snapshots) side by side with nginx (static export).

    .venv/bin/python bench/public_load.py [--duration 10] [--connections 50,500]
                                          [--out bench/RESULTS.publish.md]

Loads the demo into a fresh database (PostgreSQL at AVISO_BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/aviso_bench_publish; SQLite when
that server is unreachable), renders the snapshots and a static export with
``aviso publish``, then runs wrk against ``/``, ``/history`` and
``/api/v2/summary.json`` of ``aviso web`` and of nginx serving the export,
one after the other, at each connection count. Reports requests per second,
p50/p99 latency, errors, and the most database connections seen while each
``aviso web`` run was going. Installs nothing: it says what is missing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URLS = [("/", "index.html"), ("/history", "history.html"), ("/api/v2/summary.json", None)]
MISS_URL = "/history?through=2020-01"  # not snapshotted: rendered by Django from the database
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/aviso_bench_publish"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_tools() -> list[str]:
    wanted = {"wrk": "wrk (Debian package `wrk`)", "nginx": "nginx (Debian package `nginx`)"}
    return [text for tool, text in wanted.items() if not shutil.which(tool)]


def postgres_url() -> str | None:
    url = os.environ.get("AVISO_BENCH_DATABASE_URL", DEFAULT_DB)
    try:
        import psycopg
    except ImportError:
        return None
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL unreachable at {admin} ({exc}); using SQLite", file=sys.stderr)
        return None
    return url


class ConnectionSampler(threading.Thread):
    """The most connections to the bench database seen while running (PostgreSQL only)."""

    def __init__(self, url: str | None) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.peak = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        if self.url is None:
            return
        import psycopg

        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stopping.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                ).fetchone()
                self.peak = max(self.peak, row[0])
                time.sleep(0.2)

    def stop(self) -> str:
        self.stopping.set()
        self.join(timeout=5)
        return str(self.peak) if self.url else "n/a (SQLite)"


def wait_until_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up within {timeout:.0f} s")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def run_wrk(url: str, connections: int, duration: int) -> dict:
    threads = min(2, connections)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    out = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    return parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s|m)\b", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    errors = 0
    if socket_errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in socket_errors.groups())
    if non2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(non2xx.group(1))
    return {
        "rps": rps,
        "p50": _ms(*p50.groups()) if p50 else float("nan"),
        "p99": _ms(*p99.groups()) if p99 else float("nan"),
        "errors": errors,
    }


NGINX_CONF = """
daemon off;
worker_processes auto;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        location = / {{ try_files /index.html =404; }}
        location = /history {{ default_type text/html; try_files /history.html =404; }}
    }}
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", default="50,500", help="comma-separated counts")
    parser.add_argument("--out", default="", help="write the results as Markdown here")
    args = parser.parse_args()
    if missing := missing_tools():
        print("Missing: " + "; ".join(missing) + ". Install them and run again.", file=sys.stderr)
        return 2
    counts = [int(c) for c in args.connections.split(",")]
    work = Path(tempfile.mkdtemp(prefix="aviso-bench-"))
    work.chmod(0o755)  # nginx's workers run as another user
    children: list[subprocess.Popen] = []
    db_url = postgres_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_DATA_DIR": str(work / "data"),
    }
    env["AVISO_DATABASE_URL"] = db_url or ""
    env.setdefault("AVISO_LOG_LEVEL", "WARNING")
    aviso = [sys.executable, "-m", "aviso"]
    try:
        for argv in (
            ["manage", "migrate", "-v0"],
            ["demo"],
            ["publish", "--snapshots", "--out", str(work / "site")],
        ):
            subprocess.run(aviso + argv, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        (work / "tmp").mkdir()
        web_port, nginx_port = free_port(), free_port()
        web_log = open(work / "web.log", "wb")  # noqa: SIM115 - lives as long as the server
        web_argv = aviso + ["web", "--port", str(web_port)]
        children.append(
            subprocess.Popen(
                web_argv,
                env=env,
                cwd=ROOT,
                start_new_session=True,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        )
        conf = work / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=work, port=nginx_port, site=work / "site"))
        children.append(subprocess.Popen(["nginx", "-c", str(conf)], start_new_session=True))
        web, nginx = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{nginx_port}"
        wait_until_up(web + "/")
        wait_until_up(nginx + "/")
        rows = []
        for path, _ in URLS:
            codes = status_of(web + path), status_of(nginx + path)
            if codes != (200, 200):
                print(f"skipping {path}: aviso web {codes[0]}, nginx {codes[1]} (not built here?)")
                rows.append((path, None))
                continue
            for count in counts:
                sampler = ConnectionSampler(db_url)
                sampler.start()
                ours = run_wrk(web + path, count, args.duration)
                connections = sampler.stop()
                theirs = run_wrk(nginx + path, count, args.duration)
                rows.append((path, (count, ours, theirs, connections)))
                print(
                    f"{path} c={count}: aviso {ours['rps']:.0f} req/s p50 {ours['p50']:.2f} ms "
                    f"p99 {ours['p99']:.2f} ms errors {ours['errors']} db conns {connections} | "
                    f"nginx {theirs['rps']:.0f} req/s p99 {theirs['p99']:.2f} ms "
                    f"-> ratio {ours['rps'] / theirs['rps']:.2f}",
                    flush=True,
                )
        # For contrast: a page with no snapshot (an old history window) is Django's work,
        # and shows the database connections stay bounded by workers x threads.
        for count in counts:
            sampler = ConnectionSampler(db_url)
            sampler.start()
            ours = run_wrk(web + MISS_URL, count, args.duration)
            connections = sampler.stop()
            rows.append((MISS_URL, (count, ours, None, connections)))
            print(
                f"{MISS_URL} c={count}: aviso {ours['rps']:.0f} req/s p99 {ours['p99']:.2f} ms "
                f"errors {ours['errors']} db conns {connections}",
                flush=True,
            )
        report = render_report(rows, args, db_url)
        print(report)
        if args.out:
            Path(args.out).write_text(report)
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
        if db_url:
            drop_database(db_url)
    return 0


def drop_database(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def render_report(rows: list, args: argparse.Namespace, db_url: str | None) -> str:
    lines = [
        "| URL | conns | aviso web req/s | p50 ms | p99 ms | errors | DB conns"
        " | nginx req/s | nginx p99 ms | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path, result in rows:
        if result is None:
            lines.append(f"| `{path}` | – | not served on this branch | | | | | | | |")
            continue
        count, ours, theirs, connections = result
        if theirs is None:
            lines.append(
                f"| `{path}` (Django, no snapshot) | {count} | {ours['rps']:.0f} | "
                f"{ours['p50']:.2f} | {ours['p99']:.2f} | {ours['errors']} | {connections} "
                "| – | – | – |"
            )
            continue
        lines.append(
            f"| `{path}` | {count} | {ours['rps']:.0f} | {ours['p50']:.2f} | {ours['p99']:.2f} | "
            f"{ours['errors']} | {connections} | {theirs['rps']:.0f} | {theirs['p99']:.2f} | "
            f"{ours['rps'] / theirs['rps']:.2f} |"
        )
    engine = "PostgreSQL" if db_url else "SQLite"
    return (
        f"wrk -t2 -c<conns> -d{args.duration}s --latency, on {os.cpu_count()} cores, "
        f"database {engine}\n\n" + "\n".join(lines) + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())
