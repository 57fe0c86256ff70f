"""Does a rolling restart of ``aviso web`` lose requests? (Issue 14, item 5.)

    PYTHONPATH=. python bench/rolling_restart.py

Two ``aviso web`` processes behind a tiny round-robin balancer on 127.0.0.1; a
client sends requests without pause while each process in turn is stopped with
SIGTERM and started again. The balancer passes a request on to the other process
only when a connection is refused (as nginx's ``proxy_next_upstream error`` does),
never after a process took it: a request a stopping process accepted and then
dropped counts as lost. Zero lost needs ``aviso web`` to drain on SIGTERM (stop
accepting, finish what it accepted, exit) and to accept only once it can answer.
Prints the requests answered and the ones lost (bench/RESULTS.md).
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from aviso.tests.test_restart import ROOT, free_port, status_of  # noqa: E402


class RoundRobin:
    """Each client connection to the next backend; a backend refusing is skipped."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.turns = itertools.count()  # next() on a count is atomic under the GIL
        self.count = len(ports)
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            # Each backend once, starting from this request's turn. (A cycle shared by the
            # relay threads could hand one request the same refusing backend twice, and
            # the request was then dropped by this balancer, not by aviso web.)
            first = next(self.turns)
            for offset in range(self.count):
                port = self.ports[(first + offset) % self.count]
                try:
                    upstream = socket.create_connection(("127.0.0.1", port), 30)
                except ConnectionRefusedError:
                    continue  # not listening (stopped or starting): the next one
                with upstream:
                    upstream.sendall(request)
                    while chunk := upstream.recv(65536):
                        client.sendall(chunk)
                return

    def close(self) -> None:
        self.listener.close()


def start_web(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "aviso", "web", "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while status_of(f"http://127.0.0.1:{port}/") not in (200, 404):
        assert process.poll() is None and time.monotonic() < deadline, "aviso web did not start"
        time.sleep(0.05)
    return process


class Client:
    """Requests one after another on fresh connections, each answer read to the end."""

    def __init__(self, port: int, threads: int = 2) -> None:
        self.port, self.ok, self.failures, self.seconds = port, 0, [], []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            sent = time.monotonic()
            try:
                connection.request("GET", "/api/v2/summary.json", headers={"Connection": "close"})
                response = connection.getresponse()
                response.read()
                if response.status in (200, 404):
                    self.ok += 1
                    self.seconds.append(time.monotonic() - sent)
                else:
                    self.failures.append((time.monotonic(), response.status))
            except (OSError, http.client.HTTPException) as error:
                self.failures.append((time.monotonic(), repr(error)))
            finally:
                connection.close()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(20)


def rolling_restart(tmp_path) -> tuple[int, list, float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aviso.settings")
    import django

    django.setup()
    from aviso.testing import shared_static_root

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AVISO_", "DJANGO_"))}
    env |= {"AVISO_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT)}
    env["AVISO_STATIC_ROOT"] = shared_static_root(env)
    subprocess.run([sys.executable, "-m", "aviso", "manage", "migrate", "-v0"], env=env,
                   check=True, timeout=300)  # fmt: skip
    ports = [free_port(), free_port()]
    webs = [start_web(env, port) for port in ports]
    balancer = RoundRobin(ports)
    client = Client(balancer.port)
    started = time.monotonic()
    marks: list[tuple[float, str]] = []
    try:
        for index, port in enumerate(ports):
            before = client.ok
            marks.append((time.monotonic(), f"SIGTERM web {index}"))
            webs[index].send_signal(signal.SIGTERM)
            assert webs[index].wait(30) == 0  # drained and exited on its own
            marks.append((time.monotonic(), f"web {index} exited; starting it"))
            webs[index] = start_web(env, port)
            marks.append((time.monotonic(), f"web {index} answers again"))
            assert client.ok > before  # requests went on through the other one meanwhile
        time.sleep(0.5)
    finally:
        client.stop()
        balancer.close()
        for web in webs:
            web.send_signal(signal.SIGTERM)
            web.wait(30)
    for at, what in sorted(marks + client.failures, key=lambda m: m[0]):
        print(f"  {at - started:7.2f} s  {what}")
    seconds = sorted(client.seconds)
    print(f"  answers took p50 {seconds[len(seconds) // 2] * 1000:.0f} ms, "
          f"p99 {seconds[int(len(seconds) * 0.99)] * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms")
    return client.ok, client.failures, time.monotonic() - started


if __name__ == "__main__":
    import tempfile
    from pathlib import Path

    load = os.getloadavg()[0]
    ok, failures, seconds = rolling_restart(Path(tempfile.mkdtemp(prefix="aviso-rolling-")))
    print(f"answered {ok}, lost {len(failures)} in {seconds:.1f} s (load before {load:.2f}, "
          f"after {os.getloadavg()[0]:.2f}); ")  # fmt: skip
