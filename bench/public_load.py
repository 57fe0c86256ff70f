"""``/api/v2/summary.json`` from ``aviso web`` (snapshots) against nginx (static export).

    PYTHONPATH=. .venv/bin/python bench/public_load.py [--pairs 5] [--duration 10]
        [--warmup 2] [--connections 50[,500]] [--urls /api/v2/summary.json[,/,/history]]
        [--out FILE]

Loads the demo into a fresh database (PostgreSQL at AVISO_BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/aviso_bench_publish; SQLite when
that server is unreachable) and runs ``aviso publish --snapshots --out DIR``.
Each measured file of the export is then checked against the snapshot
``aviso web`` serves and, where the two renders differ, replaced by the
snapshot's bytes, so both servers answer with one render; the bodies are then
fetched from both servers and compared byte for byte (the report says
"identical" or where they part, loudly).

Two configurations: one worker each (``aviso web --workers 1``, nginx
``worker_processes 1``), then one worker per server CPU each. With ``taskset``
wrk (one thread) runs on the first CPU and the servers on the others; on a
two-core machine the second configuration has the servers on every CPU,
sharing wrk's, and the report says so. In each, after a warm-up per side that
is not counted, ``--pairs`` wrk runs interleaved: aviso, nginx, aviso, nginx...
Reports per side the median and spread (min-max) of requests per second and
p50/p99 latency, the ratio of the medians, the servers' and wrk's CPU use, the
CPUs each process was seen on, and the load average before and after.

Installs nothing: when wrk or nginx is missing it says so and exits 2
(``make bench-deps`` installs both on Debian, as root).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, cpu_list, group_cpu_seconds, group_placement  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/aviso_bench_publish"
DEFAULT_URL = "/api/v2/summary.json"
SIDES = ("aviso", "nginx")


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


def drop_database(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_connections(url: str | None) -> str:
    """Connections open to the bench database now (PostgreSQL only)."""
    if url is None:
        return "n/a (SQLite)"
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    return str(row[0])


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


# -- CPUs ---------------------------------------------------------------------


@dataclass
class Placement:
    """Where one configuration's processes run, and how many workers each server has."""

    label: str
    workers: int
    wrk_cpus: list[int] | None  # None: not pinned
    server_cpus: list[int] | None
    note: str

    def pin(self, argv: list[str], cpus: list[int] | None) -> list[str]:
        return ["taskset", "-c", cpu_list(cpus), *argv] if cpus else argv


def placements(cpus: list[int], have_taskset: bool) -> list[Placement]:
    """One worker each, then a worker per server CPU each; wrk on the first CPU and the
    servers on the others, except that with two CPUs the second configuration's servers
    have every CPU (there is no other way to give them two)."""
    first, rest = cpus[:1], cpus[1:]
    if not have_taskset or not rest:
        why = "taskset is missing" if not have_taskset else "there is one CPU"
        note = f"NOT PINNED ({why}): wrk and the servers share every CPU"
        return [
            Placement("one worker each", 1, None, None, note),
            Placement(f"{len(cpus)} workers each", len(cpus), None, None, note),
        ]
    own = (
        f"servers pinned to CPU {cpu_list(rest)}, wrk to CPU {cpu_list(first)}: "
        "the load generator has a CPU of its own"
    )
    many, many_note = rest, own
    if len(rest) == 1:
        many = cpus
        many_note = (
            f"SHARED CPU: servers on every CPU ({cpu_list(cpus)}), wrk pinned to CPU "
            f"{cpu_list(first)}, so wrk competes with the servers for CPU {cpu_list(first)}: "
            "both sides pay for it, and absolute figures are lower than on separate cores"
        )
    return [
        Placement("one worker each", 1, first, rest, own),
        Placement(f"{len(many)} workers each", len(many), first, many, many_note),
    ]


# -- wrk ------------------------------------------------------------------------


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


def run_wrk(url: str, connections: int, duration: int, place: Placement, pgid: int) -> dict:
    """One wrk run (one thread) against ``url``, with the server's and wrk's CPU use."""
    argv = place.pin(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url], place.wrk_cpus
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = group_cpu_seconds(pgid)
    started = time.monotonic()
    out = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    elapsed = time.monotonic() - started
    server = group_cpu_seconds(pgid) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = parse_wrk(out)
    result["server_cpu"] = 100 * server / elapsed
    result["wrk_cpu"] = 100 * wrk_cpu / elapsed
    return result


# -- the servers ------------------------------------------------------------------

# `worker_processes auto;` is replaced by the configuration's count (see nginx_conf).
# open_file_cache keeps nginx from opening the file for every request: the
# baseline is nginx at its best, not its defaults.
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
    tcp_nopush on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
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


def nginx_conf(root: Path, port: int, site: Path, workers: int) -> str:
    text = NGINX_CONF.format(root=root, port=port, site=site)
    return text.replace("worker_processes auto;", f"worker_processes {workers};")


@dataclass
class Servers:
    """``aviso web`` and nginx serving the same render, placed as ``place`` says."""

    work: Path
    env: dict
    place: Placement
    children: dict[str, subprocess.Popen] = field(default_factory=dict)
    base: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        web_port, nginx_port = free_port(), free_port()
        workers = self.place.workers
        log = open(self.work / f"web-{workers}.log", "wb")  # noqa: SIM115 - lives with the server
        web = [sys.executable, "-m", "aviso", "web", "--port", str(web_port)]
        self.children["aviso"] = subprocess.Popen(
            self.place.pin(web + ["--workers", str(workers)], self.place.server_cpus),
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        conf = self.work / f"nginx-{workers}.conf"
        conf.write_text(nginx_conf(self.work, nginx_port, self.work / "site", workers))
        self.children["nginx"] = subprocess.Popen(
            self.place.pin(["nginx", "-c", str(conf)], self.place.server_cpus),
            start_new_session=True,
        )
        self.base = {
            "aviso": f"http://127.0.0.1:{web_port}",
            "nginx": f"http://127.0.0.1:{nginx_port}",
        }
        for url in self.base.values():
            wait_until_up(url + DEFAULT_URL)

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


# -- the bytes --------------------------------------------------------------------


def export_name(path: str) -> str | None:
    """The export's file for a site path (see ``aviso.status.links.export_file``)."""
    if path == "/":
        return "index.html"
    if path == "/history":
        return "history.html"
    return path.lstrip("/") if "?" not in path and "." in path.rsplit("/", 1)[-1] else None


def snapshot_entry(data_dir: Path, path: str) -> dict | None:
    """The manifest's entry for ``path`` in the snapshot set ``aviso web`` serves."""
    manifest = data_dir / "snapshots" / "manifest.json"
    return json.loads(manifest.read_bytes())["entries"].get(path)


def snapshot_body(data_dir: Path, path: str) -> bytes | None:
    """The body ``aviso web`` serves for ``path``, read from the snapshot set on disk (the
    manifest names a blob by its digest, as ``aviso.publish.store`` writes them)."""
    entry = snapshot_entry(data_dir, path)
    if entry is None:
        return None
    digest = entry["digest"]
    return (data_dir / "snapshots" / "blobs" / digest[:2] / digest).read_bytes()


def first_difference(ours: bytes, theirs: bytes) -> int | None:
    if ours == theirs:
        return None
    return next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )


def align_export(site: Path, data_dir: Path, path: str) -> str:
    """Make the export's file for ``path`` the snapshot's render; says what it found."""
    name = export_name(path)
    snap = snapshot_body(data_dir, path)
    if name is None or snap is None:
        return f"not aligned: {'no export file' if name is None else 'no snapshot'} for it"
    target = site / name
    exported = target.read_bytes() if target.is_file() else b""
    offset = first_difference(snap, exported)
    if offset is None:
        return f"the export's own render was identical to the snapshot ({len(snap):,} bytes)"
    target.write_bytes(snap)
    return (
        f"the export's own render differed from the snapshot at byte {offset:,} "
        f"(snapshot {snap[max(0, offset - 20) : offset + 20]!r}, "
        f"export {exported[max(0, offset - 20) : offset + 20]!r}; lengths {len(snap):,} and "
        f"{len(exported):,}): the export's file was replaced by the snapshot's bytes"
    )


def fetch(base: str, path: str) -> tuple[bytes, int, str]:
    """The body, the header block's size (as sent, about) and the ETag of ``GET path``."""
    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)  # http.client asks for identity, as wrk does by not asking
        response = conn.getresponse()
        body = response.read()
        headers = response.getheaders()
    finally:
        conn.close()
    size = len("HTTP/1.1 200 OK\r\n\r\n") + sum(len(k) + len(v) + 4 for k, v in headers)
    etag = response.getheader("ETag", "")
    return body, size, etag


def compare_bodies(servers: Servers, data_dir: Path, path: str) -> tuple[bool, str]:
    """(same bytes and aviso answered from its snapshot, what the report says) for ``path``."""
    ours, our_headers, etag = fetch(servers.base["aviso"], path)
    theirs, their_headers, _ = fetch(servers.base["nginx"], path)
    offset = first_difference(ours, theirs)
    if offset is None:
        text = f"identical ({len(ours):,} bytes)"
    else:
        text = (
            f"**DIFFERENT**: first differing byte at offset {offset:,}; aviso "
            f"{len(ours):,} bytes, nginx {len(theirs):,} bytes (aviso "
            f"{ours[max(0, offset - 20) : offset + 20]!r}, nginx "
            f"{theirs[max(0, offset - 20) : offset + 20]!r})"
        )
    entry = snapshot_entry(data_dir, path)
    from_snapshot = entry is not None and etag.strip('"') == entry["digest"]
    if from_snapshot:
        text += "; aviso web answered from its snapshot (the ETag is the snapshot's digest)"
    else:
        text += "; **aviso web did NOT answer from its snapshot** (ETag is not its digest)"
    text += f"; header block about {our_headers} bytes (aviso), {their_headers} (nginx)"
    return offset is None and from_snapshot, text


# -- the report ---------------------------------------------------------------------


def spread(values: list[float], digits: int) -> str:
    return (
        f"{statistics.median(values):,.{digits}f} "
        f"({min(values):,.{digits}f}–{max(values):,.{digits}f})"
    )


def ratio(runs: dict[str, list[dict]], key: str) -> str:
    ours = statistics.median(r[key] for r in runs["aviso"])
    theirs = statistics.median(r[key] for r in runs["nginx"])
    return f"{ours / theirs:.2f}" if theirs else "n/a"


def result_table(runs: dict[str, list[dict]], where: dict[str, str]) -> list[str]:
    lines = [
        "| side | processes | req/s, median (min–max) | p50 ms | p99 ms | errors "
        "| server CPU % | wrk CPU % |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for side in SIDES:
        results = runs[side]
        lines.append(
            f"| {side} | {where[side]} | {spread([r['rps'] for r in results], 0)} "
            f"| {spread([r['p50'] for r in results], 2)} "
            f"| {spread([r['p99'] for r in results], 2)} "
            f"| {sum(r['errors'] for r in results)} "
            f"| {statistics.median(r['server_cpu'] for r in results):.0f} "
            f"| {statistics.median(r['wrk_cpu'] for r in results):.0f} |"
        )
    lines.append(
        f"| aviso / nginx, ratio of medians | | {ratio(runs, 'rps')} | {ratio(runs, 'p50')} "
        f"| {ratio(runs, 'p99')} | | | |"
    )
    order = " · ".join(
        f"{'A' if side == 'aviso' else 'B'} {runs[side][i]['rps']:,.0f}"
        for i in range(len(runs["aviso"]))
        for side in SIDES
    )
    lines += ["", f"Runs in order (A aviso, B nginx; req/s): {order}"]
    warnings = [
        f"wrk used {statistics.median(r['wrk_cpu'] for r in runs[side]):.0f} % of a CPU "
        f"against {side}: the load generator may be the limit, so {side}'s req/s is a floor"
        for side in SIDES
        if statistics.median(r["wrk_cpu"] for r in runs[side]) >= 90
    ]
    warnings += [
        f"{side} answered {sum(r['errors'] for r in runs[side])} requests with an error"
        for side in SIDES
        if any(r["errors"] for r in runs[side])
    ]
    return lines + [f"\n**Note:** {text}." for text in warnings]


def versions() -> str:
    granian = Path(sys.executable).with_name("granian")
    found = []
    for argv in ([str(granian), "--version"], ["nginx", "-v"], ["wrk", "-v"]):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        found.append((done.stdout + done.stderr).strip().splitlines()[0])
    return "; ".join(found)


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# -- main ---------------------------------------------------------------------------


def measure(
    servers: Servers, args: argparse.Namespace, urls: list[str], counts: list[int]
) -> dict[tuple[str, int], dict[str, list[dict]]]:
    """Warm up, then ``--pairs`` interleaved runs per URL and connection count."""
    place = servers.place
    pgids = {side: child.pid for side, child in servers.children.items()}
    found: dict[tuple[str, int], dict[str, list[dict]]] = {}
    for path in urls:
        for count in counts:
            for side in SIDES:  # not counted: first requests, caches, connection set-up
                run_wrk(servers.base[side] + path, count, args.warmup, place, pgids[side])
            runs: dict[str, list[dict]] = {side: [] for side in SIDES}
            for pair in range(args.pairs):
                for side in SIDES:
                    result = run_wrk(
                        servers.base[side] + path, count, args.duration, place, pgids[side]
                    )
                    runs[side].append(result)
                    print(
                        f"  {place.label} {path} c={count} pair {pair + 1} {side}: "
                        f"{result['rps']:,.0f} req/s, p50 {result['p50']:.2f} ms, "
                        f"p99 {result['p99']:.2f} ms, errors {result['errors']}, "
                        f"server CPU {result['server_cpu']:.0f} %, "
                        f"wrk CPU {result['wrk_cpu']:.0f} %",
                        flush=True,
                    )
            found[(path, count)] = runs
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=5, help="interleaved aviso/nginx runs")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of uncounted load first")
    parser.add_argument("--connections", default="50", help="comma-separated counts")
    parser.add_argument("--urls", default=DEFAULT_URL, help="comma-separated site paths")
    parser.add_argument("--out", default="", help="also write the report (Markdown) here")
    args = parser.parse_args()
    if missing := missing_tools():
        print(
            "Missing: " + "; ".join(missing) + ". Install them (`make bench-deps` as root on "
            "Debian) and run again.",
            file=sys.stderr,
        )
        return 2
    have_taskset = shutil.which("taskset") is not None
    if not have_taskset:
        print("taskset is missing (util-linux): running unpinned", file=sys.stderr)
    counts = [int(c) for c in args.connections.split(",")]
    urls = [u.strip() for u in args.urls.split(",") if u.strip()]
    cpus = sorted(os.sched_getaffinity(0))
    load_before = loadavg()
    work = Path(tempfile.mkdtemp(prefix="aviso-bench-"))
    work.chmod(0o755)  # nginx's workers run as another user
    (work / "tmp").mkdir()
    data_dir, site = work / "data", work / "site"
    db_url = postgres_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_DATA_DIR": str(data_dir),
        "AVISO_DATABASE_URL": db_url or "",
    }
    env.setdefault("AVISO_LOG_LEVEL", "WARNING")
    sections: list[str] = []
    all_same = True
    try:
        for argv in (
            ["manage", "migrate", "-v0"],
            ["demo"],
            ["publish", "--snapshots", "--out", str(site)],
        ):
            subprocess.run(
                [sys.executable, "-m", "aviso", *argv],
                env=env,
                check=True,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        aligned = {path: align_export(site, data_dir, path) for path in urls}
        for place in placements(cpus, have_taskset):
            servers = Servers(work, env, place)
            try:
                servers.start()
                where = {
                    side: group_placement(child.pid) for side, child in servers.children.items()
                }
                checks = []
                for path in urls:
                    same, text = compare_bodies(servers, data_dir, path)
                    all_same = all_same and same
                    checks.append(f"- `{path}`: {text}")
                    print(f"{place.label}: {path} {text}", flush=True)
                results = measure(servers, args, urls, counts)
                connections = database_connections(db_url)
            finally:
                servers.stop()
            sections.append(
                f"## {place.label}\n\n"
                f"aviso web `--workers {place.workers}` (granian, "
                f"{env.get('AVISO_WEB_THREADS', '4')} threads a worker), nginx "
                f"`worker_processes {place.workers}`; {place.note}. wrk on CPU "
                f"{cpu_list(place.wrk_cpus) if place.wrk_cpus else 'any (not pinned)'}. "
                f"Database connections open after aviso's runs: {connections}.\n\n"
                "Bodies before measuring:\n\n" + "\n".join(checks)
            )
            for (path, count), runs in results.items():
                table = "\n".join(result_table(runs, where))
                sections.append(f"### `{path}`, {count} connections\n\n{table}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if db_url:
            drop_database(db_url)
    load_after = loadavg()
    load = (load_before, load_after)
    report = render_report(
        args, cpus, have_taskset, db_url, versions(), aligned, sections, all_same, load
    )
    print(report)
    if args.out:
        Path(args.out).write_text(report)
    return 0


def render_report(
    args: argparse.Namespace,
    cpus: list[int],
    have_taskset: bool,
    db_url: str | None,
    tools: str,
    aligned: dict[str, str],
    sections: list[str],
    all_same: bool,
    load: tuple[str, str],
) -> str:
    head = ["# aviso web (snapshots) against nginx (static export)", ""]
    if not all_same:
        head += [
            "**WARNING: THE TWO SERVERS DID NOT ANSWER WITH THE SAME BYTES (or aviso web did "
            "not answer from its snapshot); the comparison is not like for like. See the "
            "body checks below.**",
            "",
        ]
    idle = float(load[0].split()[0]) < 0.5
    head += [
        f"- Machine: {os.cpu_count()} CPUs (this process may use {cpu_list(cpus)}), "
        f"{platform.platform()}; {tools}",
        f"- Load average (1, 5, 15 min): {load[0]} before, {load[1]} after"
        + ("" if idle else " (**the machine was not idle**: other work shared the CPUs)"),
        f"- Pinning: {'taskset' if have_taskset else '**none: taskset is missing**'}",
        f"- Database: {'PostgreSQL' if db_url else 'SQLite'} (aviso web answers the measured "
        "paths from its snapshots, without the database: see the ETag check below)",
        f"- Each run: `wrk -t1 -c<conns> -d{args.duration}s --latency`, keep-alive, no "
        "Accept-Encoding (both send the identity body); per configuration and URL a "
        f"{args.warmup} s warm-up per side (not counted), then {args.pairs} "
        f"pair{'s' if args.pairs != 1 else ''} interleaved aviso, nginx, aviso, nginx ...",
        "- Spread: median (min–max) over the pairs. Ratio of medians aviso / nginx: below 1 "
        "for req/s, or above 1 for latency, is aviso slower. Server CPU %: CPU time of the "
        "server's processes over the run's wall time (100 = one CPU). nginx runs with "
        "sendfile and open_file_cache.",
        "- One render: `aviso publish --snapshots --out DIR` wrote the snapshots and the export; "
        "for each measured path:",
    ]
    head += [f"  - `{path}`: {text}" for path, text in aligned.items()]
    return "\n".join(head) + "\n\n" + "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    sys.exit(main())
