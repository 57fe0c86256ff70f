"""How long a restart of ``aviso up`` takes to serve, and the memory of each process.

    python bench/restart.py [--runs 5]

One data dir (SQLite) is set up by a first start; then ``aviso up`` is stopped
and started ``--runs`` times, each timed from the start to the first answer of
``/`` (with no page set up, the app's own "nothing here yet" page). After each
start it waits for ``/healthz`` to say 200 and reads each process's resident
memory (VmRSS) from /proc: the supervisor and its web, worker and checker
children (granian's own worker process under web too). Static files go to a
folder shared by the runs, collected by the first start. Prints medians with
min-max and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aviso.tests.test_restart import free_port, start_up, status_of, stop  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def memory(up_pid: int, state: dict) -> dict[str, float]:
    figures = {"supervisor": rss_mib(up_pid)}
    for name, child in state["children"].items():
        if child.get("pid"):
            figures[name] = rss_mib(child["pid"])
            for grandchild in children_of(child["pid"]):
                figures[f"{name} (child {grandchild})"] = rss_mib(grandchild)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--static-root", default="",
                        help="reuse static files collected there (the first start then skips "
                             "compressing ~1,000 files)")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aviso-restart-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AVISO_", "DJANGO_"))}
    static = args.static_root or str(work / "static")
    env |= {"AVISO_DATA_DIR": str(work / "data"), "AVISO_STATIC_ROOT": static,
            "AVISO_ADMIN_PASSWORD": "pw-Secret-123",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1])}  # fmt: skip
    port = free_port()
    load_before = os.getloadavg()
    first, first_seconds = start_up(env, port, work / "first.log", timeout=900)
    stop(first)
    times, memories = [], []
    for run in range(args.runs):
        process, seconds = start_up(env, port, work / f"run{run}.log")
        times.append(seconds)
        deadline = time.monotonic() + 60
        while status_of(f"http://127.0.0.1:{port}/healthz") != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        state = json.loads((work / "data" / "supervisor.json").read_text())
        memories.append(memory(process.pid, state))
        stop(process)
    load_after = os.getloadavg()
    print(f"first start (migrations, static files): {first_seconds:.1f} s")
    print(
        f"restart to first answer of /: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, runs {len(times)})"
    )
    names = sorted({name for m in memories for name in m if "(child" not in name})
    for name in names:
        values = [m[name] for m in memories if name in m]
        print(f"  RSS {name:10s} median {statistics.median(values):6.1f} MiB "
              f"(min {min(values):.1f}, max {max(values):.1f})")  # fmt: skip
    grand = [v for m in memories for k, v in m.items() if "(child" in k]
    if grand:
        print(f"  RSS granian worker(s) median {statistics.median(grand):.1f} MiB")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
