"""The MySQL/MariaDB probe against the server on 127.0.0.1:3306, with its own account."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time

import pytest

from aviso.monitors.choices import CheckStatus
from aviso.monitors.configs import ConfigError, parse_config
from aviso.monitors.tests.probing import check, closed_port


def _listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=0.5).close()
    except OSError:
        return False
    return shutil.which("mysql") is not None


pytestmark = pytest.mark.skipif(
    not _listening(), reason="no MySQL/MariaDB on 127.0.0.1:3306 with a local mysql client"
)


def root(sql: str) -> None:
    subprocess.run(["mysql", "-uroot", "-e", sql], check=True, capture_output=True, timeout=20)


@pytest.fixture(scope="module")
def account():
    name = f"aviso_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    root(
        f"CREATE DATABASE {name}; CREATE USER '{name}'@'%' IDENTIFIED BY '{password}' "
        f"WITH MAX_USER_CONNECTIONS 4; GRANT SELECT ON {name}.* TO '{name}'@'%';"
    )
    yield name, password
    root(f"DROP USER '{name}'@'%'; DROP DATABASE {name};")


def _wait_for_sessions(name: str, count: int) -> None:
    # The account name is the test's own random hex, never input.
    sql = f"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{name}'"  # noqa: S608
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out = subprocess.run(["mysql", "-uroot", "-N", "-e", sql], capture_output=True,
                             text=True, check=True, timeout=10).stdout  # fmt: skip
        if int(out.strip()) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{count} sessions of {name} did not open")


def conf(account, **more) -> dict:
    name, password = account
    return {"host": "127.0.0.1", "username": name, "password": password, "database": name,
            **more}  # fmt: skip


class TestMysqlProbe:
    def test_it_is_up_with_connection_usage(self, account):
        outcome = check("mysql", conf(account), timeout=5)
        assert outcome.status == CheckStatus.UP, outcome.message
        assert outcome.latency_ms > 0
        assert outcome.metrics["connections_used"] >= 1
        assert outcome.message.startswith(("server connections", "account connections"))

    def test_it_is_degraded_when_the_account_nears_its_connection_limit(self, account):
        name, password = account
        held = [
            subprocess.Popen(
                ["mysql", "-h127.0.0.1", f"-u{name}", f"-p{password}", "-e", "SELECT SLEEP(20)"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(2)
        ]
        try:
            _wait_for_sessions(name, 2)
            settings = conf(account, connections_warn=0.5, connections_critical=1.0)
            outcome = check("mysql", settings, timeout=5)
        finally:
            for process in held:
                process.kill()
                process.wait(5)
        assert outcome.status == CheckStatus.DEGRADED, outcome.message
        assert outcome.message == "account connections 3/4"
        assert outcome.metrics["saturation"] == 0.75

    def test_it_is_down_on_a_wrong_password(self, account):
        outcome = check("mysql", {**conf(account), "password": "not-it"}, timeout=5)
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message == "cannot connect: access denied (user or password)"
        assert "not-it" not in outcome.message

    def test_it_is_down_when_the_port_is_closed(self, account):
        outcome = check("mysql", conf(account, port=closed_port()), timeout=5)
        assert outcome.status == CheckStatus.DOWN
        assert outcome.message.startswith("cannot connect: ")

    def test_bad_settings_are_named(self):
        with pytest.raises(ConfigError) as caught:
            parse_config("mysql", {"host": "", "username": "u"})
        assert set(caught.value.errors) == {"config.host"}
        with pytest.raises(ConfigError) as caught:
            parse_config("mysql", {"host": "db", "username": "u", "connections_warn": 0.9,
                                   "connections_critical": 0.5})  # fmt: skip
        assert caught.value.errors == {
            "config": "connections: the critical threshold is below the warn threshold"
        }
        with pytest.raises(ConfigError) as caught:
            parse_config("mysql", {"host": "db"})
        assert "config.username" in caught.value.errors
