"""A database outage, for real: a PostgreSQL server of the test's own is stopped and restarted.

``aviso web`` (granian, the snapshot layer, Django) and ``aviso worker`` run as
child processes against that server. While it is down the public page is
still a 200 from its snapshot, the console and anything else that needs the
database answer 503 with a message; when it is back both recover without a
restart, and the worker renders the next change.

Not a ``django_db`` test: it brings its own server, so it runs once per suite.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from aviso.testing import shared_static_root

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
RUNUSER = shutil.which("runuser")


def _missing() -> str | None:
    if not PG_BIN or not os.path.exists(os.path.join(PG_BIN[-1], "initdb")):
        return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
    if os.geteuid() != 0 or RUNUSER is None:
        return "needs root and runuser to run PostgreSQL as the postgres user"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres OS user to run the server as"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnPostgres:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "pgdata"
        self.port = free_port()
        self.bin = Path(PG_BIN[-1])

    def _as_postgres(self, *argv: str, timeout: float = 60) -> None:
        subprocess.run(
            [RUNUSER, "-u", "postgres", "--", *argv],
            check=True,
            timeout=timeout,
            capture_output=True,
        )

    def init(self) -> None:
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "log"),
            "-w", "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def get(url: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback http only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get_console(url: str) -> tuple[int, bytes]:
    """The console with a session cookie: the session is looked up in the database."""
    opener = urllib.request.build_opener(NoRedirect)
    cookie = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    request = urllib.request.Request(url, headers=cookie)  # noqa: S310 - loopback http only
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, urllib.error.URLError) as error:
            last = error
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture
def world():
    root = Path(tempfile.mkdtemp(prefix="aviso-outage-"))
    root.chmod(0o755)  # the postgres user must reach its data folder
    pg = OwnPostgres(root)
    children: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_DATA_DIR": str(root / "aviso"),
        "AVISO_DATABASE_URL": pg.url,
        "AVISO_LOG_LEVEL": "WARNING",
    }
    env.pop("AVISO_REDIS_URL", None)
    env["AVISO_STATIC_ROOT"] = shared_static_root(env)

    def aviso(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "aviso", *argv],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout

    def spawn(*argv: str) -> subprocess.Popen:
        log = open(root / f"{argv[0]}.log", "wb")  # noqa: SIM115 - closed with the process
        child = subprocess.Popen(
            [sys.executable, "-m", "aviso", *argv],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children.append(child)
        return child

    pg.init()
    pg.start()
    try:
        yield pg, aviso, spawn
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        try:
            pg.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


class TestDatabaseOutage:
    def test_it_serves_the_public_page_and_a_503_console_then_recovers(self, world):
        pg, aviso, spawn = world
        aviso("manage", "migrate", "-v0")
        aviso("demo")
        port = free_port()
        web = spawn("web", "--port", str(port), "--workers", "1")
        spawn("worker")
        base = f"http://127.0.0.1:{port}"

        # The worker renders the snapshots on its first turn; the web layer serves them.
        def snapshot_hit():
            reply = get(base + "/")
            return reply if reply[0] == 200 and "etag" in reply[1] else None

        status, headers, before = wait_for(snapshot_hit, 120, "the first snapshot")
        assert b"All Systems Operational" in before or b"banner" in before
        assert get_console(base + "/admin/")[0] == 302  # no such session: to the login page
        assert get(base + "/history?through=2019-01")[0] == 200  # no snapshot: Django
        summary = get(base + "/api/v2/summary.json")
        assert summary[0] == 200 and "etag" in summary[1]  # from its snapshot

        pg.stop()

        assert get(base + "/api/v2/summary.json")[::2] == summary[::2]

        status, headers, during = get(base + "/")
        assert status == 200
        assert during == before
        status, headers, gz = get(base + "/", **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip"
        code, body = get_console(base + "/admin/")
        assert code == 503
        assert b"database is unreachable" in body
        code, body = get_console(base + "/console/")  # the operators' console
        assert code == 503
        assert b"database is unreachable" in body
        status, headers, body = get(base + "/history?through=2019-01")
        assert status == 503 and headers.get("retry-after")
        # The management API catches every exception itself (a 500); still a 503.
        status, headers, body = get(base + "/api/v1/pages", Authorization="Bearer x")
        assert status == 503, (status, body[:200])
        assert headers["content-type"] == "application/problem+json"
        assert web.poll() is None  # still up

        pg.start()

        wait_for(lambda: get_console(base + "/admin/")[0] == 302, 30, "the admin to recover")
        assert get_console(base + "/console/")[0] == 302  # to the sign-in page
        assert get(base + "/api/v1/pages", Authorization="Bearer x")[0] == 401
        assert get(base + "/history?through=2019-01")[0] == 200
        # The worker waited the outage out: a change made now reaches the public page.
        aviso(
            "manage",
            "shell",
            "-c",
            "from aviso.status import lifecycle; from aviso.status.models import Page; "
            "lifecycle.create_incident(Page.default(), actor=lifecycle.Actor.system('t'), "
            "name='Back after the outage')",
        )
        wait_for(
            lambda: b"Back after the outage" in get(base + "/")[2], 30, "the worker's next render"
        )
