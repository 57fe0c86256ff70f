"""Every ``aviso`` verb on a data dir that was never set up: it sets the data dir
up and succeeds, or exits non-zero with one line saying what to run. Never a traceback.

Each verb runs as a real process, in a fresh data dir of its own, bounded in time.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aviso.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "aviso" / "config" / "tests" / "samples"
TIMEOUT = 180  # generous: the machines running the suite are shared

# (verb and arguments, what it does on a data dir never set up): "sets up" and exits 0,
# "says" what to run in one line and exits non-zero, or needs no database and exits 0.
VERBS = [
    (["demo"], "sets up"),
    (["apply", str(ROOT / "examples" / "demo.yaml")], "sets up"),
    (["import", "statuspage", "--from", "{samples}"], "sets up"),
    (["createadmin", "--username", "first", "--email", "first@example.org"], "sets up"),
    (["manage", "check"], "needs none"),
    (["export"], "says"),
    (["publish", "--out", "{tmp}/site"], "says"),
    (["backup", "{tmp}/backup.jsonl.gz"], "says"),
    (["restore", "{tmp}/missing.jsonl.gz"], "says"),
    (["reseal"], "says"),
    (["token", "list"], "says"),
    (["token", "create", "--user", "nobody", "--scope", "read"], "says"),
    (["web", "--port", "{port}"], "says"),
    (["worker"], "says"),
    (["checker"], "says"),
    (["inbound-mail"], "says"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVISO_")}
    return env | {
        "AVISO_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "aviso.settings",
        "AVISO_LOG_LEVEL": "WARNING",
    }


def run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    samples = tmp_path / "samples"
    samples.mkdir(exist_ok=True)
    (samples / "incidents.json").write_bytes((SAMPLES / "discord_incidents_2022.json").read_bytes())
    args = [a.format(tmp=tmp_path, samples=samples, port=free_port()) for a in argv]
    return subprocess.run(
        [sys.executable, "-m", "aviso", *args], env=fresh_env(tmp_path), cwd=tmp_path,
        capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_list_covers_every_verb_the_help_names(capsys):
    main(["--help"])
    listed = capsys.readouterr().out.split("Verbs:", 1)[1]
    verbs = {v.strip() for v in listed.split(",")}
    # ``up`` migrates before anything else (aviso.readiness.SETS_ITSELF_UP); it is
    # not run here because its first start compresses every static file (about
    # 70 s of CPU on these machines).
    assert verbs == {argv[0] for argv, _ in VERBS} | {"up"}


@pytest.mark.parametrize(("argv", "outcome"), VERBS, ids=[" ".join(v[:2]) for v, _ in VERBS])
def test_a_verb_on_a_never_set_up_data_dir_sets_it_up_or_says_what_to_run(argv, outcome, tmp_path):
    done = run(argv, tmp_path)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-3000:]
    if outcome == "needs none":
        assert done.returncode == 0, output[-3000:]
    elif outcome == "sets up":
        assert done.returncode == 0, output[-3000:]
        # Set up for good: the data dir's database has every app's tables.
        with sqlite3.connect(tmp_path / "data" / "aviso.sqlite3") as db:
            apps = {row[0] for row in db.execute("SELECT DISTINCT app FROM django_migrations")}
        assert {"status", "monitors", "notify", "api", "publish"} <= apps, apps
    else:
        assert done.returncode != 0, output[-3000:]
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, done.stderr
        assert not done.stdout.strip(), done.stdout
